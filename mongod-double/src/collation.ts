// Collation: locale-aware string comparison through Intl.Collator (Node's built-in ICU), for
// queries, sorts, distinct and index keys. `simple` (or none) is binary comparison.
import { CommandError, ErrorCodes } from './errors';
import { isDoc, isNumeric, toNumber, type Doc } from './values';

export interface Collation {
  readonly locale: string;
  readonly strength: number;
  /** The spec as given, for mingo's $sort (which takes the same fields). */
  readonly spec: Doc;
  compare(a: string, b: string): number;
  /** A string equal for exactly the strings `compare` finds equal (for hashing index keys). */
  key(s: string): string;
}

const FIELDS = new Set([
  'locale',
  'strength',
  'caseLevel',
  'caseFirst',
  'numericOrdering',
  'alternate',
  'maxVariable',
  'normalization',
  'backwards',
  'version',
]);
const cache = new Map<string, Collation>();

function sensitivity(strength: number, caseLevel: boolean): Intl.CollatorOptions['sensitivity'] {
  if (strength === 1) return caseLevel ? 'case' : 'base';
  if (strength === 2) return caseLevel ? 'variant' : 'accent';
  return 'variant';
}

function build(spec: Doc, locale: string): Collation {
  const strength = spec.strength === undefined ? 3 : toNumber(spec.strength);
  const caseLevel = spec.caseLevel === true;
  const shifted = spec.alternate === 'shifted';
  const caseFirst = spec.caseFirst === 'upper' || spec.caseFirst === 'lower' ? spec.caseFirst : 'false';
  const collator = new Intl.Collator(locale, {
    usage: 'sort',
    sensitivity: sensitivity(strength, caseLevel),
    numeric: spec.numericOrdering === true,
    caseFirst,
    ignorePunctuation: shifted,
  });
  const key = (s: string): string => {
    let t = s.normalize('NFD');
    if (shifted) t = t.replace(/[\p{P}\p{Z}]/gu, '');
    if (strength === 1) t = t.replace(/\p{M}/gu, '');
    if (strength <= 2 && !caseLevel) t = t.toLocaleLowerCase(locale);
    return t.normalize('NFC');
  };
  return { locale, strength, spec, compare: (a, b) => collator.compare(a, b), key };
}

/** Parses a collation document as mongod does; undefined for the simple (binary) collation. */
export function parseCollation(raw: unknown): Collation | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isDoc(raw)) throw new CommandError(ErrorCodes.TypeMismatch, "BSON field 'collation' is the wrong type, expected type 'object'");
  for (const field of Object.keys(raw)) {
    if (!FIELDS.has(field)) throw new CommandError(ErrorCodes.IDLUnknownField, `BSON field 'collation.${field}' is an unknown field.`);
  }
  const locale = raw.locale;
  if (typeof locale !== 'string') throw new CommandError(ErrorCodes.BadValue, "Required field 'locale' is missing in collation");
  if (locale === 'simple') return undefined;
  if (raw.strength !== undefined && (!isNumeric(raw.strength) || ![1, 2, 3, 4, 5].includes(toNumber(raw.strength)))) {
    throw new CommandError(ErrorCodes.BadValue, `Field 'strength' must be an integer 1 through 5. Got: ${String(raw.strength)}`);
  }
  const known = cache.get(JSON.stringify(raw));
  if (known) return known;
  if (Intl.Collator.supportedLocalesOf([locale]).length === 0) {
    throw new CommandError(ErrorCodes.BadValue, `Field 'locale' is invalid in: { locale: "${locale}" }`);
  }
  const collation = build(raw, locale);
  cache.set(JSON.stringify(raw), collation);
  return collation;
}

/** The collation an operation uses: its own, else the collection's default. */
export function effectiveCollation(explicit: unknown, collectionOptions: Doc | undefined): Collation | undefined {
  if (explicit !== undefined && explicit !== null) return parseCollation(explicit);
  return parseCollation(collectionOptions?.collation);
}

/** Replaces strings by their collation keys, so equal-under-collation values hash alike. */
export function foldStrings(value: unknown, collation: Collation | undefined): unknown {
  if (!collation) return value;
  if (typeof value === 'string') return collation.key(value);
  if (Array.isArray(value)) return value.map((v) => foldStrings(v, collation));
  if (isDoc(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, foldStrings(v, collation)]));
  }
  return value;
}
