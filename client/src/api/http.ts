/** One error of the API's shape: `{"errors": [{"message", "field"?}]}`. */
export interface ApiErrorItem {
  message: string;
  field?: string;
}

/** A non-2xx answer, with the API's errors (or one made up when the body was not in the API's shape). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: ApiErrorItem[],
  ) {
    super(errors.map((e) => e.message).join(' ') || `Request failed (${status})`);
    this.name = 'ApiError';
  }
}

export interface ApiResponse<T> {
  body: T;
  headers: Headers;
}

function isErrorItem(value: unknown): value is ApiErrorItem {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

async function readErrors(res: Response): Promise<ApiErrorItem[]> {
  try {
    const body: unknown = await res.json();
    const errors = (body as { errors?: unknown } | null)?.errors;
    if (Array.isArray(errors) && errors.every(isErrorItem)) return errors;
  } catch {
    // Not JSON (e.g. a proxy's HTML page): fall through to a generic message.
  }
  const message =
    res.status >= 500 || res.status === 0 ? 'The service is unavailable, please try again.' : `Request failed (${res.status})`;
  return [{ message }];
}

/** Calls the API on this origin (the session is the `session` cookie) and returns the JSON body and headers. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, [{ message: 'Cannot reach the server. Check your connection and try again.' }]);
  }
  if (!res.ok) throw new ApiError(res.status, await readErrors(res));
  const text = res.status === 204 ? '' : await res.text();
  return { body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await request<T>(method, path, body)).body;
}

/** The `after` cursor of a `Link: <...?after=X>; rel="next"` header, if any. */
export function nextCursor(headers: Headers): string | undefined {
  const link = headers.get('link');
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match) return new URL(match[1], 'http://x').searchParams.get('after') ?? undefined;
  }
  return undefined;
}

/** Splits an error into the messages of the given fields and the rest (shown above the form). */
export function splitErrors(error: unknown, fields: readonly string[]): { byField: Record<string, string>; general: string[] } {
  const byField: Record<string, string> = {};
  const general: string[] = [];
  if (!error) return { byField, general };
  const items: ApiErrorItem[] =
    error instanceof ApiError ? error.errors : [{ message: error instanceof Error ? error.message : String(error) }];
  for (const item of items) {
    if (item.field && fields.includes(item.field))
      byField[item.field] = byField[item.field] ? `${byField[item.field]} ${item.message}` : item.message;
    else general.push(item.message);
  }
  return { byField, general };
}
