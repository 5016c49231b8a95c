/**
 * How the next matching requests fail, for the payments service's crash and retry tests.
 * By default a request fails before it reaches the endpoint (nothing is created or kept, like a
 * load balancer error); `afterProcessing` runs it first and keeps its idempotent result, so the
 * failure models an answer lost on its way back.
 */
export interface FaultOptions {
  /** Status of the error answer (Stripe's `api_error` shape). Default 500. */
  status?: number;
  /** Never answer: the request stays open until the client gives up or the server stops. */
  hang?: boolean;
  /** Close the connection without an answer. */
  drop?: boolean;
  /** Run the request (create the intent, keep the idempotent result), then fail the answer. */
  afterProcessing?: boolean;
  /** Only requests with this method (e.g. 'POST'). */
  method?: string;
  /** Only requests whose path starts with this (e.g. '/v1/payment_intents'). */
  path?: string;
}

interface Pending {
  remaining: number;
  options: FaultOptions;
}

export class FaultQueue {
  private readonly pending: Pending[] = [];

  add(count: number, options: FaultOptions): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`failNext needs a positive integer count, got ${count}`);
    this.pending.push({ remaining: count, options: { ...options } });
  }

  /** The fault for this request, if one is queued for it; each use counts down. */
  take(method: string, path: string): FaultOptions | undefined {
    const found = this.pending.find(
      ({ options }) =>
        (options.method === undefined || options.method.toUpperCase() === method) &&
        (options.path === undefined || path.startsWith(options.path)),
    );
    if (!found) return undefined;
    found.remaining -= 1;
    if (found.remaining === 0) this.pending.splice(this.pending.indexOf(found), 1);
    return found.options;
  }

  clear(): void {
    this.pending.length = 0;
  }
}
