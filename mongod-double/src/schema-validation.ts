// $jsonSchema: checks a schema's syntax (when a validator is set) and explains why a document fails
// it, in the shape of mongod's `errInfo.details` (MongoDB manual, "$jsonSchema" and "Schema
// Validation"; SERVER-20547). Values are checked as stored, so `bsonType: "int"` tells an Int32 from
// a double, which the normalised view cannot.
export { checkSchemaSyntax } from './schema-syntax';
import { Binary, BSONRegExp, BSONSymbol, Code, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import { canonicalKey, isDoc, isNumeric, numberKind, toNumber, type Doc } from './values';

/** The BSON type alias of a stored value, as `$type` and `bsonType` name it. */
export function bsonTypeName(value: unknown): string {
  const kind = numberKind(value);
  if (kind) return kind;
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  if (value instanceof ObjectId) return 'objectId';
  if (value instanceof Date) return 'date';
  if (value instanceof Binary) return 'binData';
  if (value instanceof RegExp || value instanceof BSONRegExp) return 'regex';
  if (value instanceof Timestamp) return 'timestamp';
  if (value instanceof Code) return 'javascript';
  if (value instanceof BSONSymbol) return 'symbol';
  if (value instanceof MinKey) return 'minKey';
  if (value instanceof MaxKey) return 'maxKey';
  return 'object';
}

function matchesBsonType(value: unknown, alias: string): boolean {
  const actual = bsonTypeName(value);
  return alias === 'number' ? isNumeric(value) : actual === alias;
}

function matchesJsonType(value: unknown, alias: string): boolean {
  const actual = bsonTypeName(value);
  if (alias === 'number') return isNumeric(value);
  if (alias === 'boolean') return actual === 'bool';
  return actual === alias;
}

type Failures = Doc[];

function typeFailures(schema: Doc, value: unknown): Failures {
  for (const keyword of ['bsonType', 'type'] as const) {
    if (schema[keyword] === undefined) continue;
    const aliases = Array.isArray(schema[keyword]) ? (schema[keyword] as string[]) : [schema[keyword] as string];
    const matches = keyword === 'bsonType' ? matchesBsonType : matchesJsonType;
    if (!aliases.some((alias) => matches(value, alias))) {
      return [
        {
          operatorName: keyword,
          specifiedAs: { [keyword]: schema[keyword] },
          reason: 'type did not match',
          consideredValue: value,
          consideredType: bsonTypeName(value),
        },
      ];
    }
  }
  return [];
}

function numberFailures(schema: Doc, value: unknown): Failures {
  if (!isNumeric(value)) return [];
  const n = toNumber(value);
  const out: Failures = [];
  const bound = (keyword: 'minimum' | 'maximum', exclusive: 'exclusiveMinimum' | 'exclusiveMaximum'): void => {
    if (schema[keyword] === undefined) return;
    const limit = toNumber(schema[keyword]);
    const strict = schema[exclusive] === true;
    const ok = keyword === 'minimum' ? (strict ? n > limit : n >= limit) : strict ? n < limit : n <= limit;
    if (ok) return;
    const specifiedAs: Doc = { [keyword]: schema[keyword] };
    if (schema[exclusive] !== undefined) specifiedAs[exclusive] = schema[exclusive];
    out.push({ operatorName: keyword, specifiedAs, reason: 'comparison failed', consideredValue: value });
  };
  bound('minimum', 'exclusiveMinimum');
  bound('maximum', 'exclusiveMaximum');
  if (schema.multipleOf !== undefined && n % toNumber(schema.multipleOf) !== 0) {
    out.push({
      operatorName: 'multipleOf',
      specifiedAs: { multipleOf: schema.multipleOf },
      reason: 'considered value is not a multiple of the specified value',
      consideredValue: value,
    });
  }
  return out;
}

function stringFailures(schema: Doc, value: unknown): Failures {
  if (typeof value !== 'string') return [];
  const out: Failures = [];
  const length = [...value].length;
  for (const keyword of ['minLength', 'maxLength'] as const) {
    if (schema[keyword] === undefined) continue;
    const limit = toNumber(schema[keyword]);
    if (keyword === 'minLength' ? length < limit : length > limit) {
      out.push({
        operatorName: keyword,
        specifiedAs: { [keyword]: schema[keyword] },
        reason: 'specified string length was not satisfied',
        consideredValue: value,
      });
    }
  }
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
    out.push({
      operatorName: 'pattern',
      specifiedAs: { pattern: schema.pattern },
      reason: 'regular expression did not match',
      consideredValue: value,
    });
  }
  return out;
}

function itemsFailures(schema: Doc, items: unknown[]): Failures {
  const out: Failures = [];
  if (isDoc(schema.items)) {
    const sub = schema.items;
    const itemIndex = items.findIndex((item) => schemaFailures(sub, item).length > 0);
    if (itemIndex >= 0)
      out.push({
        operatorName: 'items',
        reason: 'At least one item did not match the sub-schema',
        itemIndex,
        details: schemaFailures(sub, items[itemIndex]),
      });
  } else if (Array.isArray(schema.items)) {
    const tuple = schema.items as Doc[];
    const itemIndex = tuple.findIndex((sub, i) => i < items.length && schemaFailures(sub, items[i]).length > 0);
    if (itemIndex >= 0)
      out.push({
        operatorName: 'items',
        reason: 'At least one item did not match the sub-schema',
        itemIndex,
        details: schemaFailures(tuple[itemIndex], items[itemIndex]),
      });
    const extra = items.slice(tuple.length);
    if (schema.additionalItems === false && extra.length > 0) {
      out.push({
        operatorName: 'additionalItems',
        specifiedAs: { additionalItems: false },
        reason: 'found additional items',
        additionalItems: extra,
      });
    } else if (isDoc(schema.additionalItems)) {
      const sub = schema.additionalItems;
      const bad = extra.findIndex((item) => schemaFailures(sub, item).length > 0);
      if (bad >= 0)
        out.push({
          operatorName: 'additionalItems',
          reason: 'At least one additional item did not match the sub-schema',
          itemIndex: tuple.length + bad,
          details: schemaFailures(sub, extra[bad]),
        });
    }
  }
  return out;
}

function arrayFailures(schema: Doc, value: unknown): Failures {
  if (!Array.isArray(value)) return [];
  const out: Failures = [];
  for (const keyword of ['minItems', 'maxItems'] as const) {
    if (schema[keyword] === undefined) continue;
    const limit = toNumber(schema[keyword]);
    if (keyword === 'minItems' ? value.length < limit : value.length > limit) {
      out.push({
        operatorName: keyword,
        specifiedAs: { [keyword]: schema[keyword] },
        reason: 'array did not match specified length',
        consideredValue: value,
      });
    }
  }
  if (schema.uniqueItems === true) {
    const duplicate = value.find((item, i) => value.slice(0, i).some((other) => canonicalKey(other) === canonicalKey(item)));
    if (duplicate !== undefined)
      out.push({
        operatorName: 'uniqueItems',
        specifiedAs: { uniqueItems: true },
        reason: 'found a duplicate item',
        consideredValue: value,
        duplicatedValue: duplicate,
      });
  }
  return [...out, ...itemsFailures(schema, value)];
}

function propertyEntry(name: string, sub: Doc, failures: Failures): Doc {
  const entry: Doc = { propertyName: name };
  if (typeof sub.description === 'string') entry.description = sub.description;
  entry.details = failures;
  return entry;
}

function additionalFailures(schema: Doc, value: Doc): Failures {
  if (schema.additionalProperties === undefined || schema.additionalProperties === true) return [];
  const declared = isDoc(schema.properties) ? schema.properties : {};
  const patterns = isDoc(schema.patternProperties) ? Object.keys(schema.patternProperties).map((p) => new RegExp(p, 'u')) : [];
  const extra = Object.keys(value).filter((key) => !(key in declared) && !patterns.some((p) => p.test(key)));
  if (schema.additionalProperties === false) {
    return extra.length > 0
      ? [{ operatorName: 'additionalProperties', specifiedAs: { additionalProperties: false }, additionalProperties: extra }]
      : [];
  }
  const sub = schema.additionalProperties as Doc;
  const failing = extra.find((key) => schemaFailures(sub, value[key]).length > 0);
  if (failing === undefined) return [];
  return [
    {
      operatorName: 'additionalProperties',
      reason: 'at least one additional property did not match the subschema',
      failingProperty: failing,
      details: schemaFailures(sub, value[failing]),
    },
  ];
}

/** dependencies: a present property requires others (an array) or its object to match a schema. */
function dependencyFailures(schema: Doc, value: Doc): Failures {
  if (!isDoc(schema.dependencies)) return [];
  const failing: Doc[] = [];
  for (const [property, dependency] of Object.entries(schema.dependencies)) {
    if (!(property in value)) continue;
    if (Array.isArray(dependency)) {
      const missing = (dependency as string[]).filter((name) => !(name in value));
      if (missing.length > 0) failing.push({ conditionalProperty: property, missingProperties: missing });
    } else if (isDoc(dependency)) {
      const details = schemaFailures(dependency, value);
      if (details.length > 0) failing.push({ conditionalProperty: property, details });
    }
  }
  return failing.length > 0 ? [{ operatorName: 'dependencies', failingDependencies: failing }] : [];
}

function objectFailures(schema: Doc, value: unknown): Failures {
  if (!isDoc(value)) return [];
  const out: Failures = [];
  if (Array.isArray(schema.required)) {
    const missing = (schema.required as string[]).filter((name) => !(name in value) || value[name] === undefined);
    if (missing.length > 0) out.push({ operatorName: 'required', specifiedAs: { required: schema.required }, missingProperties: missing });
  }
  if (isDoc(schema.properties)) {
    const notSatisfied: Doc[] = [];
    for (const [name, sub] of Object.entries(schema.properties as Record<string, Doc>)) {
      if (!(name in value) || value[name] === undefined) continue;
      const failures = schemaFailures(sub, value[name]);
      if (failures.length > 0) notSatisfied.push(propertyEntry(name, sub, failures));
    }
    if (notSatisfied.length > 0) out.push({ operatorName: 'properties', propertiesNotSatisfied: notSatisfied });
  }
  if (isDoc(schema.patternProperties)) {
    const details: Doc[] = [];
    for (const [pattern, sub] of Object.entries(schema.patternProperties as Record<string, Doc>)) {
      const regex = new RegExp(pattern, 'u');
      for (const key of Object.keys(value).filter((k) => regex.test(k))) {
        const failures = schemaFailures(sub, value[key]);
        if (failures.length > 0) details.push({ propertyName: key, regex: pattern, details: failures });
      }
    }
    if (details.length > 0) out.push({ operatorName: 'patternProperties', details });
  }
  out.push(...additionalFailures(schema, value), ...dependencyFailures(schema, value));
  const count = Object.keys(value).length;
  for (const keyword of ['minProperties', 'maxProperties'] as const) {
    if (schema[keyword] === undefined) continue;
    const limit = toNumber(schema[keyword]);
    if (keyword === 'minProperties' ? count < limit : count > limit) {
      out.push({
        operatorName: keyword,
        specifiedAs: { [keyword]: schema[keyword] },
        reason: 'specified number of properties was not satisfied',
        numberOfProperties: count,
      });
    }
  }
  return out;
}

function logicalFailures(schema: Doc, value: unknown): Failures {
  const out: Failures = [];
  const results = (keyword: string): Array<{ index: number; details: Failures }> =>
    (schema[keyword] as Doc[]).map((sub, index) => ({ index, details: schemaFailures(sub, value) }));
  if (Array.isArray(schema.allOf)) {
    const failing = results('allOf').filter((r) => r.details.length > 0);
    if (failing.length > 0) out.push({ operatorName: 'allOf', schemasNotSatisfied: failing });
  }
  if (Array.isArray(schema.anyOf)) {
    const all = results('anyOf');
    if (all.every((r) => r.details.length > 0)) out.push({ operatorName: 'anyOf', schemasNotSatisfied: all });
  }
  if (Array.isArray(schema.oneOf)) {
    const all = results('oneOf');
    const matching = all.filter((r) => r.details.length === 0).map((r) => r.index);
    if (matching.length === 0) out.push({ operatorName: 'oneOf', schemasNotSatisfied: all });
    if (matching.length > 1)
      out.push({ operatorName: 'oneOf', reason: 'more than one subschema matched', matchingSchemaIndexes: matching });
  }
  if (isDoc(schema.not) && schemaFailures(schema.not, value).length === 0)
    out.push({ operatorName: 'not', reason: 'child expression matched', details: [] });
  if (schema.enum !== undefined && !(schema.enum as unknown[]).some((allowed) => canonicalKey(allowed) === canonicalKey(value))) {
    out.push({ operatorName: 'enum', specifiedAs: { enum: schema.enum }, reason: 'value was not found in enum', consideredValue: value });
  }
  return out;
}

/** The rules of `schema` that `value` does not satisfy (empty: it matches). */
export function schemaFailures(schema: Doc, value: unknown): Failures {
  const typed = typeFailures(schema, value);
  if (typed.length > 0) return typed;
  return [
    ...logicalFailures(schema, value),
    ...numberFailures(schema, value),
    ...stringFailures(schema, value),
    ...arrayFailures(schema, value),
    ...objectFailures(schema, value),
  ];
}

/** errInfo.details for a document failing a `$jsonSchema` validator, or undefined if it passes. */
export function jsonSchemaDetails(schema: Doc, doc: Doc): Doc | undefined {
  const failures = schemaFailures(schema, doc);
  if (failures.length === 0) return undefined;
  const details: Doc = { operatorName: '$jsonSchema' };
  if (typeof schema.title === 'string') details.title = schema.title;
  details.schemaRulesNotSatisfied = failures;
  return details;
}
