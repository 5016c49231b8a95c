// Update operators applied to stored documents, keeping BSON number types ($inc of an Int32 stays an
// Int32 until it overflows into a Long, an int plus a double is a double, as in MongoDB). Conditions
// ($pull, arrayFilters, the positional `$`) are evaluated with mingo on normalised values.
import { Timestamp } from 'bson';
import { CommandError, ErrorCodes, badValue } from './errors';
import { compileFilter, type Matcher, applyPipelineUpdate } from './query';
import {
  addNumbers,
  compareValues,
  deepCopy,
  formatValue,
  isDoc,
  isNumeric,
  makeNumber,
  multiplyNumbers,
  normalize,
  numberKind,
  toNumber,
  type Doc,
} from './values';

export type UpdateSpec = { kind: 'operators'; ops: Doc } | { kind: 'replacement'; doc: Doc } | { kind: 'pipeline'; stages: unknown[] };

export interface UpdateOptions {
  /** True when the update builds the document an upsert inserts ($setOnInsert applies). */
  inserting: boolean;
  arrayFilters?: unknown[];
  /** The filter that matched, for the positional `$` operator. */
  filter?: Doc;
  /** `let` variables, for pipeline updates. */
  variables?: Doc;
}

const OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$setOnInsert',
  '$currentDate',
  '$push',
  '$addToSet',
  '$pop',
  '$pull',
  '$pullAll',
  '$bit',
]);

export function parseUpdate(update: unknown): UpdateSpec {
  if (Array.isArray(update)) return { kind: 'pipeline', stages: update };
  if (!isDoc(update)) throw new CommandError(ErrorCodes.FailedToParse, 'Update argument must be either an object or an array');
  const keys = Object.keys(update);
  if (keys.length > 0 && keys[0].startsWith('$')) {
    for (const key of keys) {
      if (!OPERATORS.has(key)) {
        throw new CommandError(
          ErrorCodes.FailedToParse,
          `Unknown modifier: ${key}. Expected a valid update modifier or pipeline-style update specified as an array`,
        );
      }
      if (!isDoc(update[key])) {
        throw new CommandError(ErrorCodes.FailedToParse, `Modifiers operate on fields but we found type ${typeof update[key]} instead.`);
      }
    }
    checkConflicts(update);
    return { kind: 'operators', ops: update };
  }
  for (const key of keys) {
    if (key.startsWith('$'))
      throw new CommandError(
        ErrorCodes.DollarPrefixedFieldName,
        `The dollar ($) prefixed field '${key}' in '${key}' is not allowed in the context of an update's replacement document.`,
      );
  }
  return { kind: 'replacement', doc: update };
}

function checkConflicts(ops: Doc): void {
  const paths: string[] = [];
  for (const [op, fields] of Object.entries(ops)) {
    for (const [path, value] of Object.entries(fields as Doc)) {
      paths.push(path);
      if (op === '$rename' && typeof value === 'string') paths.push(value);
    }
  }
  const norm = paths.map((p) =>
    p
      .split('.')
      .filter((part) => !part.startsWith('$'))
      .join('.'),
  );
  for (let i = 0; i < norm.length; i++) {
    for (let j = i + 1; j < norm.length; j++) {
      const a = norm[i];
      const b = norm[j];
      if (a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`)) {
        throw new CommandError(
          ErrorCodes.ConflictingUpdateOperators,
          `Updating the path '${paths[j]}' would create a conflict at '${paths[i]}'`,
        );
      }
    }
  }
}

/** Applies an update to a copy of `doc` and returns the new document. */
export function applyUpdate(doc: Doc, spec: UpdateSpec, options: UpdateOptions): Doc {
  let result: Doc;
  if (spec.kind === 'replacement') {
    result = deepCopy(spec.doc);
  } else if (spec.kind === 'pipeline') {
    result = applyPipelineUpdate(doc, spec.stages, options.variables);
  } else {
    result = deepCopy(doc);
    const context = new UpdateContext(result, options);
    for (const [op, fields] of Object.entries(spec.ops)) {
      if (op === '$setOnInsert' && !options.inserting) continue;
      for (const [path, value] of Object.entries(fields as Doc)) context.apply(op, path, value);
    }
  }
  return withIdFirst(result, doc);
}

/** `_id` first, and unchanged: MongoDB refuses to modify it. */
function withIdFirst(result: Doc, original: Doc): Doc {
  if ('_id' in original) {
    if ('_id' in result && compareValues(normalize(result._id), normalize(original._id)) !== 0) {
      throw new CommandError(ErrorCodes.ImmutableField, "Performing an update on the path '_id' would modify the immutable field '_id'");
    }
    const { _id: _ignored, ...rest } = result;
    return { _id: original._id, ...rest };
  }
  if ('_id' in result) {
    const { _id, ...rest } = result;
    return { _id, ...rest };
  }
  return result;
}

type Container = Doc | unknown[];

class UpdateContext {
  private readonly filters = new Map<string, Matcher>();
  /** Where `$` points in each array, found once: mongod resolves it from the query's match, not from the document as partly updated. */
  private readonly positions = new Map<string, number>();

  constructor(
    private readonly root: Doc,
    private readonly options: UpdateOptions,
  ) {
    for (const arrayFilter of options.arrayFilters ?? []) {
      if (!isDoc(arrayFilter)) throw badValue('arrayFilters must be objects');
      const first = Object.keys(arrayFilter)[0];
      if (!first)
        throw new CommandError(ErrorCodes.FailedToParse, 'Cannot use an expression without a top-level field name in arrayFilters');
      const identifier = first.split('.')[0];
      this.filters.set(identifier, compileFilter(arrayFilter));
    }
  }

  apply(op: string, path: string, value: unknown): void {
    const parts = this.resolvePositional(path.split('.'));
    if (parts.some((part) => part === ''))
      throw new CommandError(ErrorCodes.EmptyFieldName, `An update path cannot contain an empty field name: '${path}'`);
    const create = op !== '$unset' && op !== '$pop' && op !== '$pull' && op !== '$pullAll' && op !== '$rename';
    if (op === '$rename') {
      this.rename(path, value);
      return;
    }
    this.walk(this.root, parts, 0, create, (container, key) => this.applyAt(op, container, key, value, path));
  }

  private resolvePositional(parts: string[]): string[] {
    const index = parts.indexOf('$');
    if (index < 0) return parts;
    const arrayPath = parts.slice(0, index).join('.');
    const position = this.positions.get(arrayPath) ?? this.positionalIndex(arrayPath);
    this.positions.set(arrayPath, position);
    return [...parts.slice(0, index), String(position), ...parts.slice(index + 1)];
  }

  /** The index of the first element of `arrayPath` that the filter's conditions on it matched. */
  private positionalIndex(arrayPath: string): number {
    const array = getAt(this.root, arrayPath.split('.'));
    const filter = this.options.filter ?? {};
    const conditions: Array<(element: unknown) => boolean> = [];
    const collect = (f: Doc): void => {
      for (const [key, condition] of Object.entries(f)) {
        if (key === '$and' && Array.isArray(condition)) {
          for (const sub of condition) if (isDoc(sub)) collect(sub);
        } else if (key === arrayPath) {
          if (
            isDoc(condition) &&
            '$elemMatch' in condition &&
            isDoc(condition.$elemMatch) &&
            !Object.keys(condition.$elemMatch).every((k) => k.startsWith('$'))
          ) {
            // A query on the elements' fields (which may mix in $or, $and ...): not a value matcher.
            const docMatcher = compileFilter(condition.$elemMatch);
            conditions.push((element) => isDoc(element) && docMatcher.test(normalize(element) as Doc));
          } else {
            const matcher = compileFilter({ v: isDoc(condition) && '$elemMatch' in condition ? condition.$elemMatch : condition });
            conditions.push((element) => matcher.test({ v: normalize(element) } as Doc));
          }
        } else if (key.startsWith(`${arrayPath}.`)) {
          const matcher = compileFilter({ [key.slice(arrayPath.length + 1)]: condition });
          conditions.push((element) => isDoc(element) && matcher.test(normalize(element) as Doc));
        }
      }
    };
    collect(filter);
    if (Array.isArray(array) && conditions.length > 0) {
      const found = array.findIndex((element) => conditions.every((condition) => condition(element)));
      if (found >= 0) return found;
    }
    throw new CommandError(ErrorCodes.BadValue, 'The positional operator did not find the match needed from the query.');
  }

  private walk(
    container: Container,
    parts: string[],
    i: number,
    create: boolean,
    visit: (container: Container, key: string | number) => void,
  ): void {
    const part = parts[i];
    const last = i === parts.length - 1;
    const all = part === '$[]';
    const identifier = /^\$\[(\w+)\]$/.exec(part)?.[1];
    if (all || identifier !== undefined) {
      if (!Array.isArray(container)) {
        throw new CommandError(
          ErrorCodes.BadValue,
          `The path '${parts.slice(0, i).join('.')}' must exist in the document in order to apply array updates.`,
        );
      }
      let matcher: Matcher | undefined;
      if (identifier !== undefined) {
        matcher = this.filters.get(identifier);
        if (!matcher)
          throw new CommandError(ErrorCodes.BadValue, `No array filter found for identifier '${identifier}' in path '${parts.join('.')}'`);
      }
      for (let index = 0; index < container.length; index++) {
        if (matcher && identifier !== undefined && !matcher.test({ [identifier]: normalize(container[index]) })) continue;
        this.step(container, index, parts, i, last, create, visit);
      }
      return;
    }
    if (Array.isArray(container)) {
      const index = Number(part);
      if (!Number.isInteger(index) || index < 0 || String(index) !== part) {
        if (!create) return;
        throw new CommandError(
          ErrorCodes.PathNotViable,
          `Cannot create field '${part}' in element {${parts[i - 1] ?? ''}: ${formatValue(container)}}`,
        );
      }
      this.step(container, index, parts, i, last, create, visit);
      return;
    }
    this.step(container, part, parts, i, last, create, visit);
  }

  private step(
    container: Container,
    key: string | number,
    parts: string[],
    i: number,
    last: boolean,
    create: boolean,
    visit: (container: Container, key: string | number) => void,
  ): void {
    if (last) {
      visit(container, key);
      return;
    }
    let child = readKey(container, key);
    if (child === undefined || child === null) {
      if (!create) return;
      if (child === null && !(Array.isArray(container) && key === container.length)) {
        throw new CommandError(ErrorCodes.PathNotViable, `Cannot create field '${parts[i + 1]}' in element {${String(key)}: null}`);
      }
      child = {};
      writeKey(container, key, child);
    }
    if (!isDoc(child) && !Array.isArray(child)) {
      if (!create) return;
      throw new CommandError(
        ErrorCodes.PathNotViable,
        `Cannot create field '${parts[i + 1]}' in element {${String(key)}: ${formatValue(child)}}`,
      );
    }
    this.walk(child, parts, i + 1, create, visit);
  }

  private rename(from: string, to: unknown): void {
    if (typeof to !== 'string') throw badValue(`The 'to' field for $rename must be a string: ${from}: ${formatValue(to)}`);
    if (from === to) throw badValue(`The source and target field for $rename must differ: ${from}: "${to}"`);
    const fromParts = from.split('.');
    const value = getAt(this.root, fromParts);
    if (value === undefined) return;
    this.walk(this.root, fromParts, 0, false, (container, key) => deleteKey(container, key));
    this.walk(this.root, to.split('.'), 0, true, (container, key) => writeKey(container, key, value));
  }

  private applyAt(op: string, container: Container, key: string | number, value: unknown, path: string): void {
    const current = readKey(container, key);
    const exists = current !== undefined;
    switch (op) {
      case '$set':
      case '$setOnInsert':
        writeKey(container, key, deepCopy(value));
        return;
      case '$unset':
        if (exists) deleteKey(container, key);
        return;
      case '$inc':
      case '$mul': {
        if (!isNumeric(value))
          throw new CommandError(
            ErrorCodes.TypeMismatch,
            `Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${formatValue(value)}}`,
          );
        if (exists && !isNumeric(current)) {
          throw new CommandError(
            ErrorCodes.TypeMismatch,
            `Cannot apply ${op} to a value of non-numeric type. {_id: ${formatValue(this.root._id)}} has the field '${path}' of non-numeric type ${typeName(current)}`,
          );
        }
        if (op === '$inc') writeKey(container, key, exists ? addNumbers(current, value) : value);
        else writeKey(container, key, exists ? multiplyNumbers(current, value) : makeNumber(numberKind(value) ?? 'double', 0));
        return;
      }
      case '$min':
      case '$max': {
        const c = exists ? compareValues(normalize(value), normalize(current)) : 0;
        if (!exists || (op === '$min' ? c < 0 : c > 0)) writeKey(container, key, deepCopy(value));
        return;
      }
      case '$currentDate': {
        const wantsTimestamp = isDoc(value) && value.$type === 'timestamp';
        writeKey(container, key, wantsTimestamp ? Timestamp.fromBits(1, Math.floor(Date.now() / 1000)) : new Date());
        return;
      }
      case '$push':
        writeKey(container, key, this.push(current, value, path));
        return;
      case '$addToSet': {
        const array = this.arrayAt(current, path, exists);
        const items = isDoc(value) && '$each' in value ? asArray(value.$each, '$each') : [value];
        for (const item of items) {
          if (!array.some((existing) => compareValues(normalize(existing), normalize(item)) === 0)) array.push(deepCopy(item));
        }
        writeKey(container, key, array);
        return;
      }
      case '$pop': {
        if (!exists) return;
        const array = this.arrayAt(current, path, exists);
        if (toNumber(value) === -1) array.shift();
        else array.pop();
        writeKey(container, key, array);
        return;
      }
      case '$pull': {
        if (!exists) return;
        const array = this.arrayAt(current, path, exists);
        const matches = pullMatcher(value);
        writeKey(
          container,
          key,
          array.filter((element) => !matches(element)),
        );
        return;
      }
      case '$pullAll': {
        if (!exists) return;
        const array = this.arrayAt(current, path, exists);
        const values = asArray(value, '$pullAll').map((v) => normalize(v));
        writeKey(
          container,
          key,
          array.filter((element) => !values.some((v) => compareValues(normalize(element), v) === 0)),
        );
        return;
      }
      case '$bit': {
        if (!isDoc(value)) throw badValue('$bit requires an object');
        let result = exists ? toNumber(current) : 0;
        for (const [bitOp, operand] of Object.entries(value)) {
          const n = toNumber(operand);
          if (bitOp === 'and') result &= n;
          else if (bitOp === 'or') result |= n;
          else if (bitOp === 'xor') result ^= n;
          else throw badValue(`The $bit modifier only supports 'and', 'or', and 'xor', not '${bitOp}'`);
        }
        writeKey(container, key, makeNumber(numberKind(current) ?? 'int', result));
        return;
      }
      default:
        throw new CommandError(ErrorCodes.FailedToParse, `Unknown modifier: ${op}`);
    }
  }

  private arrayAt(current: unknown, path: string, exists: boolean): unknown[] {
    if (!exists) return [];
    if (!Array.isArray(current)) {
      throw new CommandError(
        ErrorCodes.BadValue,
        `The field '${path}' must be an array but is of type ${typeName(current)} in document {_id: ${formatValue(this.root._id)}}`,
      );
    }
    return [...current];
  }

  private push(current: unknown, value: unknown, path: string): unknown[] {
    const array = this.arrayAt(current, path, current !== undefined);
    if (!(isDoc(value) && '$each' in value)) {
      array.push(deepCopy(value));
      return array;
    }
    const items = asArray(value.$each, '$each').map((item) => deepCopy(item));
    if (value.$position !== undefined) {
      let position = toNumber(value.$position);
      if (position < 0) position = Math.max(0, array.length + position);
      array.splice(position, 0, ...items);
    } else {
      array.push(...items);
    }
    let result = array;
    if (value.$sort !== undefined) {
      const sort = value.$sort;
      if (isDoc(sort)) {
        const fields = Object.entries(sort).map(([field, dir]) => [field, toNumber(dir)] as const);
        result = [...result].sort((a, b) => {
          for (const [field, dir] of fields) {
            const c = compareValues(normalize(getAt(a, field.split('.'))), normalize(getAt(b, field.split('.'))));
            if (c !== 0) return c * dir;
          }
          return 0;
        });
      } else {
        const dir = toNumber(sort);
        result = [...result].sort((a, b) => compareValues(normalize(a), normalize(b)) * dir);
      }
    }
    if (value.$slice !== undefined) {
      const slice = toNumber(value.$slice);
      result = slice >= 0 ? result.slice(0, slice) : result.slice(Math.max(0, result.length + slice));
    }
    return result;
  }
}

function pullMatcher(condition: unknown): (element: unknown) => boolean {
  if (isDoc(condition)) {
    const keys = Object.keys(condition);
    if (keys.length > 0 && keys.every((k) => k.startsWith('$'))) {
      const matcher = compileFilter({ v: condition });
      return (element) => matcher.test({ v: normalize(element) });
    }
    const matcher = compileFilter(condition);
    return (element) => isDoc(element) && matcher.test(normalize(element) as Doc);
  }
  const target = normalize(condition);
  return (element) => compareValues(normalize(element), target) === 0;
}

function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw badValue(`The argument to ${what} must be an array but it was of type: ${typeName(value)}`);
  return value;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const kind = numberKind(value);
  if (kind) return kind;
  if (typeof value === 'object') return isDoc(value) ? 'object' : value.constructor.name.toLowerCase();
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

function readKey(container: Container, key: string | number): unknown {
  if (Array.isArray(container)) return typeof key === 'number' ? container[key] : undefined;
  return Object.prototype.hasOwnProperty.call(container, key) ? container[key] : undefined;
}

function writeKey(container: Container, key: string | number, value: unknown): void {
  if (Array.isArray(container)) {
    const index = Number(key);
    while (container.length < index) container.push(null);
    container[index] = value;
  } else {
    container[key] = value;
  }
}

function deleteKey(container: Container, key: string | number): void {
  if (Array.isArray(container)) {
    const index = Number(key);
    if (index < container.length) container[index] = null;
  } else {
    delete container[key];
  }
}

function getAt(value: unknown, parts: string[]): unknown {
  let current = value;
  for (const part of parts) {
    if (Array.isArray(current)) current = current[Number(part)];
    else if (isDoc(current)) current = current[part];
    else return undefined;
  }
  return current;
}

/** The document an upsert starts from: the filter's equality conditions. */
export function upsertSeed(filter: Doc): Doc {
  const seed: Doc = {};
  const set = (path: string, value: unknown): void => {
    const parts = path.split('.');
    let current: Doc = seed;
    for (const part of parts.slice(0, -1)) {
      if (!isDoc(current[part])) current[part] = {};
      current = current[part] as Doc;
    }
    current[parts[parts.length - 1]] = deepCopy(value);
  };
  const collect = (f: Doc): void => {
    for (const [key, value] of Object.entries(f)) {
      if (key === '$and' && Array.isArray(value)) {
        for (const sub of value) if (isDoc(sub)) collect(sub);
      } else if (key.startsWith('$')) {
        continue;
      } else if (isDoc(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
        if (Object.keys(value).length === 1 && '$eq' in value) set(key, value.$eq);
      } else {
        set(key, value);
      }
    }
  };
  collect(filter);
  return seed;
}
