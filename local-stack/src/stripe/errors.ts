import type { ErrorDetail } from './types';

/**
 * An error answer in Stripe's `{ error: {...} }` shape. `executed` marks errors that happen
 * after the endpoint began its work (a decline): only those are kept for idempotent replay;
 * validation errors are not, as Stripe documents.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: ErrorDetail,
    readonly executed = false,
  ) {
    super(detail.message);
  }
}

function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;
}

export function invalidRequest(message: string, extra: Partial<ErrorDetail> = {}, status = 400): ApiError {
  const withDoc = extra.code ? { doc_url: docUrl(extra.code), ...extra } : extra;
  return new ApiError(status, { type: 'invalid_request_error', message, ...withDoc });
}

export function missingParam(param: string): ApiError {
  return invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

export function unknownParam(param: string): ApiError {
  return invalidRequest(`Received unknown parameter: ${param}`, { code: 'parameter_unknown', param });
}

export function invalidParam(param: string, message: string, code?: string): ApiError {
  return invalidRequest(message, code ? { code, param } : { param });
}

export function resourceMissing(message: string, param: string, status = 400): ApiError {
  return invalidRequest(message, { code: 'resource_missing', param }, status);
}

export function notFound(path: string): ApiError {
  return invalidRequest(
    `Unrecognized request URL (${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    {},
    404,
  );
}

/** A key reused for another endpoint or other parameters (the SDK's `StripeIdempotencyError`). */
export function idempotencyError(message: string): ApiError {
  return new ApiError(400, { type: 'idempotency_error', message });
}
