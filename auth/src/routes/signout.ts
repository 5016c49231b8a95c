import { verifySessionToken } from '@ticketing/common/http';
import { Router } from 'express';
import { revokeSession } from '../domain/sessions';

/** Signout revokes the session (its jti) for every service, then clears the cookie. */
export function signoutRouter({ publicKey, onRevoked }: { publicKey: string; onRevoked?: (jti: string) => void }): Router {
  const router = Router();

  router.post('/api/users/signout', async (req, res) => {
    // Verified without asking whether it is still active: an idle session is revoked all the same.
    const claims = verifySessionToken(req.session?.jwt, publicKey);
    if (claims) {
      await revokeSession(claims.jti);
      onRevoked?.(claims.jti);
    }
    req.session = null;
    res.status(200).send({});
  });

  return router;
}
