// $jsonSchema syntax: the keywords mongod knows and the types their values must have, checked when a
// validator is set by create or collMod (MongoDB manual, "$jsonSchema").
import { CommandError, ErrorCodes } from './errors';
import { isDoc, isNumeric } from './values';

const BSON_TYPES = new Set([
  'double',
  'string',
  'object',
  'array',
  'binData',
  'undefined',
  'objectId',
  'bool',
  'date',
  'null',
  'regex',
  'javascript',
  'int',
  'timestamp',
  'long',
  'decimal',
  'minKey',
  'maxKey',
  'symbol',
  'number',
]);
const JSON_TYPES = new Set(['object', 'array', 'number', 'boolean', 'string', 'null']);
const KEYWORDS = new Set([
  'bsonType',
  'type',
  'enum',
  'required',
  'properties',
  'additionalProperties',
  'patternProperties',
  'minProperties',
  'maxProperties',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'items',
  'additionalItems',
  'minItems',
  'maxItems',
  'uniqueItems',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'title',
  'description',
  'dependencies',
]);
const UNSUPPORTED = new Set(['$ref', '$schema', 'default', 'definitions', 'format', 'id']);

function parseError(message: string): CommandError {
  return new CommandError(ErrorCodes.FailedToParse, message);
}

function typeList(value: unknown, keyword: string, known: Set<string>): string[] {
  const list = Array.isArray(value) ? value : [value];
  for (const alias of list) {
    if (typeof alias !== 'string')
      throw new CommandError(ErrorCodes.TypeMismatch, `$jsonSchema keyword '${keyword}' must be a string or an array of strings`);
    if (keyword === 'type' && alias === 'integer')
      throw new CommandError(ErrorCodes.BadValue, "$jsonSchema type 'integer' is not currently supported.");
    if (!known.has(alias)) throw new CommandError(ErrorCodes.BadValue, `Unknown type name alias: ${alias}`);
  }
  return list as string[];
}

/** Throws mongod's parse errors for a malformed schema (unknown keywords, wrong value types). */
export function checkSchemaSyntax(schema: unknown, path = '$jsonSchema'): void {
  if (!isDoc(schema)) throw new CommandError(ErrorCodes.TypeMismatch, `${path} must be an object`);
  if (schema.bsonType !== undefined && schema.type !== undefined)
    throw parseError("Cannot specify both $jsonSchema keywords 'type' and 'bsonType'");
  for (const [keyword, value] of Object.entries(schema)) {
    if (UNSUPPORTED.has(keyword)) throw parseError(`$jsonSchema keyword '${keyword}' is not currently supported`);
    if (!KEYWORDS.has(keyword)) throw parseError(`Unknown $jsonSchema keyword: ${keyword}`);
    if (keyword === 'bsonType') typeList(value, keyword, BSON_TYPES);
    if (keyword === 'type') typeList(value, keyword, JSON_TYPES);
    if (keyword === 'required' && (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string'))) {
      throw parseError("$jsonSchema keyword 'required' must be a nonempty array of strings");
    }
    if (keyword === 'enum' && (!Array.isArray(value) || value.length === 0))
      throw parseError("$jsonSchema keyword 'enum' must be a nonempty array");
    if (
      ['minimum', 'maximum', 'multipleOf', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'].includes(
        keyword,
      ) &&
      !isNumeric(value)
    ) {
      throw new CommandError(ErrorCodes.TypeMismatch, `$jsonSchema keyword '${keyword}' must be a number`);
    }
    if (keyword === 'pattern' && typeof value !== 'string')
      throw new CommandError(ErrorCodes.TypeMismatch, "$jsonSchema keyword 'pattern' must be a string");
    if (keyword === 'properties' || keyword === 'patternProperties') {
      if (!isDoc(value)) throw new CommandError(ErrorCodes.TypeMismatch, `$jsonSchema keyword '${keyword}' must be an object`);
      for (const [name, sub] of Object.entries(value)) checkSchemaSyntax(sub, `${path}.${keyword}.${name}`);
    }
    if ((keyword === 'additionalProperties' || keyword === 'additionalItems') && typeof value !== 'boolean')
      checkSchemaSyntax(value, `${path}.${keyword}`);
    if (keyword === 'items') for (const sub of Array.isArray(value) ? value : [value]) checkSchemaSyntax(sub, `${path}.items`);
    if (keyword === 'not') checkSchemaSyntax(value, `${path}.not`);
    if (keyword === 'dependencies') {
      if (!isDoc(value)) throw new CommandError(ErrorCodes.TypeMismatch, "$jsonSchema keyword 'dependencies' must be an object");
      for (const [name, sub] of Object.entries(value)) if (!Array.isArray(sub)) checkSchemaSyntax(sub, `${path}.dependencies.${name}`);
    }
    if (['allOf', 'anyOf', 'oneOf'].includes(keyword)) {
      if (!Array.isArray(value) || value.length === 0) throw parseError(`$jsonSchema keyword '${keyword}' must be a nonempty array`);
      for (const sub of value) checkSchemaSyntax(sub, `${path}.${keyword}`);
    }
  }
}
