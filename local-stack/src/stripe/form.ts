import qs from 'qs';
import { invalidParam, missingParam, unknownParam } from './errors';

/** A decoded form value: bracket notation (`a[b][]=c`) gives nested objects and arrays. */
export type FormValue = string | FormValue[] | FormParams;
export interface FormParams {
  [key: string]: FormValue | undefined;
}

/** Decodes an `application/x-www-form-urlencoded` body or query string the way Stripe reads it. */
export function parseForm(text: string): FormParams {
  // Stripe accepts deeper nesting than qs's default of 5 and long `expand[]` lists.
  return qs.parse(text, { depth: 10, arrayLimit: 100, parameterLimit: 10_000 }) as FormParams;
}

/** Canonical JSON (sorted keys) so two requests with the same parameters compare equal. */
export function canonical(value: FormValue | undefined): string {
  if (value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
}

/** Rejects parameters the endpoint does not know, as Stripe does, so typos fail loudly. */
export function rejectUnknown(params: FormParams, allowed: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) throw unknownParam(key);
  }
}

export function optionalString(params: FormParams, name: string, path = name): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidParam(path, `Invalid string: ${describe(value)}`, 'parameter_invalid_string');
  return value;
}

export function requiredString(params: FormParams, name: string, path = name): string {
  const value = optionalString(params, name, path);
  if (value === undefined || value === '') throw missingParam(path);
  return value;
}

export function optionalInteger(params: FormParams, name: string): number | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw invalidParam(name, `Invalid integer: ${describe(value)}`, 'parameter_invalid_integer');
  }
  return Number(value);
}

export function requiredInteger(params: FormParams, name: string): number {
  const value = optionalInteger(params, name);
  if (value === undefined) throw missingParam(name);
  return value;
}

export function optionalBoolean(params: FormParams, name: string, path = name): boolean | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidParam(path, `Invalid boolean: ${describe(value)}`, 'parameter_invalid_boolean');
}

export function optionalObject(params: FormParams, name: string): FormParams | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' || Array.isArray(value)) {
    throw invalidParam(name, `Invalid object`, 'parameter_invalid_object');
  }
  return value;
}

/** Arrays arrive as `a[]=x` (an array) or `a[0]=x` (an object with index keys). */
export function optionalStringArray(params: FormParams, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : Object.values(value);
  return items.map((item) => {
    if (typeof item !== 'string') throw invalidParam(name, `Invalid array`, 'parameter_invalid_array');
    return item;
  });
}

/** `metadata[key]=value`; an empty string for the whole hash means "no metadata". */
export function readMetadata(params: FormParams): Record<string, string> {
  const value = params.metadata;
  if (value === undefined || value === '') return {};
  if (typeof value === 'string' || Array.isArray(value)) throw invalidParam('metadata', 'Invalid object', 'parameter_invalid_object');
  const metadata: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw invalidParam(`metadata[${key}]`, 'Invalid string', 'parameter_invalid_string');
    if (key.length > 40) throw invalidParam(`metadata[${key}]`, 'Metadata keys can have up to 40 characters.');
    if (item.length > 500) throw invalidParam(`metadata[${key}]`, 'Metadata values can have up to 500 characters.');
    metadata[key] = item;
  }
  if (Object.keys(metadata).length > 50) throw invalidParam('metadata', 'Metadata can have up to 50 keys.');
  return metadata;
}

function describe(value: FormValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
