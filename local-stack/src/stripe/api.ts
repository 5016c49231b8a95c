import type { FormParams } from './form';
import type { StripeStore } from './store';

/** One API call as the handlers see it: decoded parameters and the ids in the path. */
export interface ApiRequest {
  params: FormParams;
  pathParams: Record<string, string>;
}

/** What an endpoint answers; errors are thrown as `ApiError`. */
export interface Answer {
  status: number;
  body: object;
}

export type Handler = (request: ApiRequest, store: StripeStore) => Answer;

export function ok(body: object): Answer {
  return { status: 200, body };
}
