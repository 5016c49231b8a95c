import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet, set for an API that answers JSON only: nothing may load from an answer and nobody may frame
 * it. The rest of helmet's defaults stay on (nosniff, Cross-Origin-Resource-Policy and -Opener-Policy
 * same-origin, X-DNS-Prefetch-Control off, ...). HSTS is the ingress's job: it terminates TLS.
 */
const apiHelmet = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  // The same for browsers that predate frame-ancestors.
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: false,
});

/**
 * The headers every answer of a service carries, set before anything else runs (errors and 404s
 * included): helmet's (above), and `Cache-Control: no-store`, which helmet does not set: most answers
 * carry a session or personal data (users, orders, payments, anything answered to a signed-in request)
 * and a shared cache must never keep one; a route may still set its own Cache-Control after this.
 */
export function securityHeaders(): RequestHandler {
  return (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    apiHelmet(req, res, next);
  };
}
