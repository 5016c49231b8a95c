import type { RequestHandler } from 'express';

/**
 * The headers every answer of a service carries (set by hand: helmet is not a dependency). The
 * services answer JSON only, so the policy allows nothing to load and nobody to frame it. HSTS is the
 * ingress's job (it terminates TLS).
 * - `Cache-Control: no-store` on every answer: most carry a session or personal data (users, orders,
 *   payments, anything answered to a signed-in request), and a shared cache must never keep one; a
 *   route may still set its own Cache-Control after this.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Sets `SECURITY_HEADERS` on every response, before anything else runs (errors included). */
export function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  };
}
