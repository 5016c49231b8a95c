import { invalidParam, invalidRequest } from './errors';
import { ok, type Handler } from './api';
import { optionalInteger, optionalString, optionalStringArray, rejectUnknown, requiredString } from './form';
import { renderIntent } from './payment-intents';
import type { PaymentIntentObject, SearchResult } from './types';

type Operator = ':' | '>' | '<' | '>=' | '<=';

/** One `field:value` term of Stripe's search query language. */
export interface Clause {
  negated: boolean;
  field: string;
  metadataKey?: string;
  operator: Operator;
  value: string;
}

export interface ParsedQuery {
  clauses: Clause[];
  join: 'AND' | 'OR';
}

const NUMERIC_FIELDS = ['amount', 'created'];
const STRING_FIELDS = ['currency', 'customer', 'status', 'metadata'];

function queryError(message: string): Error {
  return invalidParam('query', message);
}

/** Reads a '...' or "..." literal starting at `start`; a backslash escapes the next character. */
function readQuoted(query: string, start: number): { value: string; end: number } {
  const quote = query[start];
  let value = '';
  for (let i = start + 1; i < query.length; i += 1) {
    if (query[i] === '\\' && i + 1 < query.length) value += query[(i += 1)];
    else if (query[i] === quote) return { value, end: i + 1 };
    else value += query[i];
  }
  throw queryError(`The search query is invalid: unterminated string starting at position ${start}.`);
}

function readClause(query: string, start: number): { clause: Clause; end: number } {
  let i = start;
  const negated = query[i] === '-';
  if (negated) i += 1;
  const name = /^[a-z_]+/.exec(query.slice(i))?.[0];
  if (!name) throw queryError(`The search query is invalid: expected a field at position ${i}.`);
  i += name.length;
  let metadataKey: string | undefined;
  if (name === 'metadata') {
    if (query[i] !== '[' || !`'"`.includes(query[i + 1] ?? ''))
      throw queryError("The search query is invalid: metadata fields are written metadata['key'].");
    const key = readQuoted(query, i + 1);
    if (query[key.end] !== ']') throw queryError("The search query is invalid: metadata fields are written metadata['key'].");
    metadataKey = key.value;
    i = key.end + 1;
  }
  const operator = /^(>=|<=|:|>|<)/.exec(query.slice(i))?.[0] as Operator | undefined;
  if (!operator) throw queryError(`The search query is invalid: expected an operator after '${name}'.`);
  i += operator.length;
  let value: string;
  if (`'"`.includes(query[i] ?? ' ')) {
    const quoted = readQuoted(query, i);
    value = quoted.value;
    i = quoted.end;
  } else {
    value = /^[^\s]+/.exec(query.slice(i))?.[0] ?? '';
    if (value === '') throw queryError(`The search query is invalid: expected a value after '${name}${operator}'.`);
    i += value.length;
  }
  return { clause: { negated, field: name, metadataKey, operator, value }, end: i };
}

function checkClause(clause: Clause): void {
  if (!NUMERIC_FIELDS.includes(clause.field) && !STRING_FIELDS.includes(clause.field)) {
    throw queryError(
      `Field '${clause.field}' is an unsupported search field for resource 'payment_intents'. See https://stripe.com/docs/search#query-fields-for-payment-intents for a list of supported fields.`,
    );
  }
  if (NUMERIC_FIELDS.includes(clause.field) && !/^-?\d+$/.test(clause.value)) {
    throw queryError(`The search query is invalid: '${clause.field}' takes a number, not '${clause.value}'.`);
  }
  if (STRING_FIELDS.includes(clause.field) && clause.operator !== ':') {
    throw queryError(`The search query is invalid: '${clause.field}' supports only the ':' operator.`);
  }
}

/** Clauses joined by spaces or AND, or by OR; AND and OR cannot be mixed in one query. */
export function parseQuery(query: string): ParsedQuery {
  const clauses: Clause[] = [];
  const joins = new Set<'AND' | 'OR'>();
  let i = 0;
  for (;;) {
    while (query[i] === ' ') i += 1;
    if (i >= query.length) break;
    if (clauses.length > 0) {
      const keyword = /^(and|or)\s+/i.exec(query.slice(i));
      joins.add(keyword ? (keyword[1].toUpperCase() as 'AND' | 'OR') : 'AND');
      if (keyword) i += keyword[0].length;
    }
    const { clause, end } = readClause(query, i);
    checkClause(clause);
    clauses.push(clause);
    i = end;
  }
  if (clauses.length === 0) throw queryError('The search query is invalid: it has no clauses.');
  if (joins.size > 1) throw queryError('The search query is invalid: AND and OR cannot be combined in one query.');
  return { clauses, join: joins.has('OR') ? 'OR' : 'AND' };
}

function fieldValue(intent: PaymentIntentObject, clause: Clause): string | number | undefined {
  if (clause.field === 'metadata') return intent.metadata[clause.metadataKey ?? ''];
  if (clause.field === 'amount') return intent.amount;
  if (clause.field === 'created') return intent.created;
  if (clause.field === 'customer') return intent.customer ?? undefined;
  if (clause.field === 'currency') return intent.currency;
  return intent.status;
}

function matchesClause(intent: PaymentIntentObject, clause: Clause): boolean {
  const actual = fieldValue(intent, clause);
  let result: boolean;
  if (typeof actual === 'number') {
    const wanted = Number(clause.value);
    const compare = { ':': actual === wanted, '>': actual > wanted, '<': actual < wanted, '>=': actual >= wanted, '<=': actual <= wanted };
    result = compare[clause.operator];
  } else if (clause.field === 'currency' || clause.field === 'status') {
    result = actual !== undefined && actual.toLowerCase() === clause.value.toLowerCase();
  } else {
    result = actual === clause.value;
  }
  return clause.negated ? !result : result;
}

export function matches(intent: PaymentIntentObject, query: ParsedQuery): boolean {
  const results = query.clauses.map((clause) => matchesClause(intent, clause));
  return query.join === 'AND' ? results.every(Boolean) : results.some(Boolean);
}

function decodePage(page: string | undefined, query: string): number {
  if (page === undefined) return 0;
  try {
    const decoded = JSON.parse(Buffer.from(page, 'base64url').toString()) as { q?: unknown; o?: unknown };
    if (decoded.q === query && typeof decoded.o === 'number') return decoded.o;
  } catch {
    // falls through to the error below
  }
  throw invalidParam('page', 'Invalid page: it does not belong to this search query.');
}

/** GET /v1/payment_intents/search: newest first, `limit` (1–100, default 10) per page. */
export const searchPaymentIntents: Handler = ({ params }, store) => {
  rejectUnknown(params, ['query', 'limit', 'page', 'expand']);
  const text = requiredString(params, 'query');
  const limit = optionalInteger(params, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest('Limit must be between 1 and 100.', { param: 'limit' });
  const expand = optionalStringArray(params, 'expand') ?? [];
  const query = parseQuery(text);
  const offset = decodePage(optionalString(params, 'page'), text);
  const sequence = (id: string): number => store.sequence.get(id) ?? 0;
  const found = [...store.intents.values()].filter((intent) => matches(intent, query)).sort((a, b) => sequence(b.id) - sequence(a.id));
  const pageItems = found.slice(offset, offset + limit);
  const hasMore = offset + limit < found.length;
  const itemExpand = expand.filter((path) => path !== 'total_count');
  const result: SearchResult<PaymentIntentObject> = {
    object: 'search_result',
    data: pageItems.map((intent) => renderIntent(store, intent, itemExpand, 'data.')),
    has_more: hasMore,
    next_page: hasMore ? Buffer.from(JSON.stringify({ q: text, o: offset + limit })).toString('base64url') : null,
    url: '/v1/payment_intents/search',
    ...(expand.includes('total_count') ? { total_count: found.length } : {}),
  };
  return ok(result);
};
