// Collection validators: `validator` (query operators and $jsonSchema), `validationLevel` and
// `validationAction` as `create` and `collMod` set them, enforced on inserts and updates (MongoDB
// manual, "Schema Validation"). A failing write is DocumentValidationFailure (121) with mongod's
// `errInfo: { failingDocumentId, details }`; with `validationAction: "warn"` it is logged instead.
import type { Collection } from './catalog';
import { CommandError, ErrorCodes } from './errors';
import type { Logger } from './log';
import { compileFilter } from './query';
import { bsonTypeName, checkSchemaSyntax, jsonSchemaDetails } from './schema-validation';
import { getPath, isDoc, normalizeDoc, type Doc } from './values';

const LEVELS = ['strict', 'moderate', 'off'];
const ACTIONS = ['error', 'warn'];
/** Query operators mongod refuses inside a validator. */
const REFUSED = ['$near', '$nearSphere', '$text', '$where'];

export const VALIDATION_OPTIONS = ['validator', 'validationLevel', 'validationAction'] as const;

function refuseOperators(value: unknown): void {
  if (Array.isArray(value)) value.forEach(refuseOperators);
  if (!isDoc(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (REFUSED.includes(key)) throw new CommandError(ErrorCodes.QueryFeatureNotAllowed, `${key} is not allowed in collection validators`);
    refuseOperators(child);
  }
}

/** Throws mongod's errors for malformed validation options of create or collMod. */
export function checkValidationOptions(options: Doc): void {
  const { validator, validationLevel, validationAction } = options;
  if (validator !== undefined) {
    if (!isDoc(validator))
      throw new CommandError(ErrorCodes.TypeMismatch, "BSON field 'validator' is the wrong type, expected type 'object'");
    refuseOperators(validator);
    if (validator.$jsonSchema !== undefined) checkSchemaSyntax(validator.$jsonSchema);
    const { $jsonSchema: _schema, ...query } = validator;
    compileFilter(query);
  }
  if (validationLevel !== undefined && !LEVELS.includes(validationLevel as string)) {
    throw new CommandError(
      ErrorCodes.BadValue,
      `Enumeration value '${String(validationLevel)}' for field 'validationLevel' is not a valid value.`,
    );
  }
  if (validationAction !== undefined && !ACTIONS.includes(validationAction as string)) {
    throw new CommandError(
      ErrorCodes.BadValue,
      `Enumeration value '${String(validationAction)}' for field 'validationAction' is not a valid value.`,
    );
  }
}

const REASONS: Record<string, string> = {
  $eq: 'comparison failed',
  $ne: 'comparison succeeded',
  $gt: 'comparison failed',
  $gte: 'comparison failed',
  $lt: 'comparison failed',
  $lte: 'comparison failed',
  $in: 'no matching value found in array',
  $nin: 'matching value found in array',
  $regex: 'regular expression did not match',
  $size: 'array length was not equal to given size',
  $all: 'array did not contain all specified values',
  $elemMatch: 'array did not satisfy the child predicate',
  $mod: '$mod did not evaluate to expected remainder',
};

function fieldDetails(field: string, condition: unknown, doc: Doc, norm: Doc): Doc | undefined {
  const isOperators = isDoc(condition) && Object.keys(condition).length > 0 && Object.keys(condition).every((k) => k.startsWith('$'));
  // $regex takes its $options along; anything else is one clause per operator.
  let ops: Array<[string, unknown]> = isOperators ? Object.entries(condition) : [['$eq', condition]];
  if (isOperators && '$regex' in condition) ops = [['$regex', condition]];
  const failing: Doc[] = [];
  for (const [index, [op, operand]] of ops.entries()) {
    const clause = { [field]: !isOperators || op === '$regex' ? operand : { [op]: operand } };
    if (compileFilter(clause).test(norm)) continue;
    const value = getPath(doc, field);
    const details: Doc = { operatorName: op, specifiedAs: clause };
    if (op === '$exists') details.reason = operand ? 'path does not exist' : 'path does exist';
    else if (value === undefined && op !== '$ne' && op !== '$nin') details.reason = 'field was missing';
    else {
      details.reason = op === '$type' ? 'type did not match' : (REASONS[op] ?? 'expression did not match');
      details.consideredValue = value;
      if (op === '$type') details.consideredType = bsonTypeName(value);
    }
    failing.push({ index, details });
  }
  if (failing.length === 0) return undefined;
  return failing.length === 1 ? (failing[0].details as Doc) : { operatorName: '$and', clausesNotSatisfied: failing };
}

function clauseDetails(key: string, value: unknown, doc: Doc, norm: Doc): Doc | undefined {
  if (key === '$jsonSchema') return jsonSchemaDetails(value as Doc, doc);
  if (key === '$and' || key === '$or' || key === '$nor') {
    const clauses = (value as Doc[]).map((clause, index) => ({ index, details: explain(clause, doc, norm) }));
    if (key === '$and') {
      const failing = clauses.filter((c) => c.details !== undefined);
      return failing.length > 0 ? { operatorName: '$and', clausesNotSatisfied: failing } : undefined;
    }
    if (key === '$or')
      return clauses.every((c) => c.details !== undefined) ? { operatorName: '$or', clausesNotSatisfied: clauses } : undefined;
    const satisfied = clauses
      .filter((c) => c.details === undefined)
      .map((c) => ({ index: c.index, details: { operatorName: 'clause', specifiedAs: (value as Doc[])[c.index] } }));
    return satisfied.length > 0 ? { operatorName: '$nor', clausesSatisfied: satisfied } : undefined;
  }
  if (key.startsWith('$')) {
    if (compileFilter({ [key]: value }).test(norm)) return undefined;
    const details: Doc = { operatorName: key, specifiedAs: { [key]: value }, reason: 'expression did not match' };
    if (key === '$expr') details.expressionResult = false;
    return details;
  }
  return fieldDetails(key, value, doc, norm);
}

/** Why `doc` fails the validator (mongod's errInfo.details), or undefined if it passes. */
function explain(validator: Doc, doc: Doc, norm: Doc): Doc | undefined {
  const failing: Doc[] = [];
  for (const [index, [key, value]] of Object.entries(validator).entries()) {
    const details = clauseDetails(key, value, doc, norm);
    if (details) failing.push({ index, details });
  }
  if (failing.length === 0) return undefined;
  return Object.keys(validator).length === 1 ? (failing[0].details as Doc) : { operatorName: '$and', clausesNotSatisfied: failing };
}

export function validationDetails(validator: Doc, doc: Doc): Doc | undefined {
  return explain(validator, doc, normalizeDoc(doc));
}

export interface WriteValidation {
  /** bypassDocumentValidation: true on the command. */
  bypass: boolean;
  log: Logger;
  connectionId: number;
}

/**
 * Checks a document about to be written to `collection` against its validator. `previous` is the
 * document an update replaces: under `validationLevel: "moderate"` an update of a document that
 * already fails the validator is not checked. Throws DocumentValidationFailure, or logs it (warn).
 */
export function enforceValidation(collection: Collection, doc: Doc, previous: Doc | undefined, how: WriteValidation): void {
  const { validator, validationLevel, validationAction } = collection.options;
  if (!isDoc(validator) || Object.keys(validator).length === 0 || how.bypass || validationLevel === 'off') return;
  const details = validationDetails(validator, doc);
  if (!details) return;
  if (previous && validationLevel === 'moderate' && validationDetails(validator, previous)) return;
  const errInfo = { failingDocumentId: doc._id, details };
  if (validationAction === 'warn') {
    how.log.warn('STORAGE', 20294, `conn${how.connectionId}`, 'Document would fail validation', {
      namespace: collection.ns,
      document: doc,
      errInfo,
    });
    return;
  }
  throw new CommandError(ErrorCodes.DocumentValidationFailure, 'Document failed validation', { errInfo });
}
