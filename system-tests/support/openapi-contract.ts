import fs from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

// docs/openapi.yaml as a checker of real responses: the status must be documented for the operation,
// the body must match that status's schema, and documented headers their schemas.

export const OPENAPI_FILE = path.resolve(__dirname, '../../docs/openapi.yaml');
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

type Json = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Partial<Record<(typeof HTTP_METHODS)[number], Json>> & { parameters?: unknown[] }>;
  components: Json & { schemas: Record<string, Json> };
}

export interface CheckedResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** `GET /api/tickets/{id}` */
export type OperationKey = string;

const SCHEMAS_ID = 'https://ticketing.test/openapi/schemas';

/** JSON Pointer decoding of one `#/a/b` reference inside the document. */
function pointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported: ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, part) => {
      if (node === null || typeof node !== 'object' || !(part in node)) throw new Error(`unresolved reference ${ref}`);
      return (node as Json)[part];
    }, doc);
}

/** Schema references point into one registered schema of all components; everything else is resolved in place. */
function rewriteSchemaRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteSchemaRefs);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
        return [key, `${SCHEMAS_ID}#/$defs/${value.slice('#/components/schemas/'.length)}`];
      }
      return [key, rewriteSchemaRefs(value)];
    }),
  );
}

export function loadOpenApi(file = OPENAPI_FILE): OpenApiDocument {
  return YAML.parse(fs.readFileSync(file, 'utf8')) as OpenApiDocument;
}

/** Every `METHOD /path` of the document. */
export function documentedOperations(doc: OpenApiDocument): OperationKey[] {
  return Object.entries(doc.paths).flatMap(([route, item]) =>
    HTTP_METHODS.filter((method) => item[method] !== undefined).map((method) => `${method.toUpperCase()} ${route}`),
  );
}

export class OpenApiContract {
  /** For each operation, the statuses real responses had. */
  readonly seen = new Map<OperationKey, Set<string>>();
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<unknown, ValidateFunction>();

  constructor(readonly doc: OpenApiDocument = loadOpenApi()) {
    this.ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: SCHEMAS_ID, $defs: rewriteSchemaRefs(doc.components.schemas) });
    // Compile every component now: a schema the validator cannot read fails here, not mid-test.
    for (const name of Object.keys(doc.components.schemas)) this.ajv.getSchema(`${SCHEMAS_ID}#/$defs/${name}`);
  }

  resolve<T = Json>(node: unknown): T {
    let current = node;
    for (let depth = 0; current && typeof current === 'object' && '$ref' in current; depth++) {
      if (depth > 5) throw new Error('reference loop');
      current = pointer(this.doc, String((current as Json).$ref));
    }
    return current as T;
  }

  operation(key: OperationKey): Json {
    const [method, route] = key.split(' ');
    const op = this.doc.paths[route]?.[method.toLowerCase() as (typeof HTTP_METHODS)[number]];
    if (!op) throw new Error(`${key} is not in docs/openapi.yaml`);
    return op;
  }

  /** Every (operation, status) the document names. */
  documentedStatuses(): Map<OperationKey, string[]> {
    return new Map(documentedOperations(this.doc).map((key) => [key, Object.keys(this.operation(key).responses as Json)]));
  }

  /** Throws, naming the operation, unless `res` is a documented response of `key`. */
  check(key: OperationKey, res: CheckedResponse): void {
    const status = String(res.status);
    const responses = this.operation(key).responses as Json;
    const documented = responses[status];
    if (documented === undefined) {
      throw new Error(
        `${key} answered ${status}, which docs/openapi.yaml does not document (it has ${Object.keys(responses).join(', ')}): ${res.text}`,
      );
    }
    if (!this.seen.has(key)) this.seen.set(key, new Set());
    this.seen.get(key)?.add(status);
    const response = this.resolve(documented) as { content?: Record<string, { schema?: unknown }>; headers?: Json };
    this.checkBody(key, status, response.content, res);
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const value = res.headers.get(name);
      const schema = this.resolve<{ schema?: unknown }>(header).schema;
      if (value === null || schema === undefined || name.toLowerCase() === 'set-cookie') continue;
      this.validate(`${key} ${status} header ${name}`, rewriteSchemaRefs(schema), value);
    }
  }

  private checkBody(
    key: OperationKey,
    status: string,
    content: Record<string, { schema?: unknown }> | undefined,
    res: CheckedResponse,
  ): void {
    if (!content) {
      if (res.text !== '') throw new Error(`${key} ${status} is documented without a body but answered ${res.text}`);
      return;
    }
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0].trim();
    const media = content[mediaType];
    if (!media)
      throw new Error(`${key} ${status} answered ${mediaType || 'no content type'}; documented: ${Object.keys(content).join(', ')}`);
    if (media.schema === undefined) return;
    const body: unknown = mediaType === 'application/json' ? JSON.parse(res.text) : res.text;
    this.validate(`${key} ${status}`, media.schema, body);
  }

  private validate(what: string, schema: unknown, value: unknown): void {
    let validator = this.validators.get(schema);
    if (!validator) {
      validator = this.ajv.compile(rewriteSchemaRefs(schema) as Json);
      this.validators.set(schema, validator);
    }
    if (!validator(value)) {
      throw new Error(`${what} does not match docs/openapi.yaml: ${this.ajv.errorsText(validator.errors)}\n${JSON.stringify(value)}`);
    }
  }
}
