import { Router } from 'express';
import { touchSession } from '../domain/sessions';

/** A jti is 22 base64url characters (128 bits); anything else is no session of ours. */
const JTI = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * `GET /api/users/sessions/:jti` → 200 `{active}`: what the other services ask (AUTH_URL) before they
 * trust a token. It tells nothing but active or not for an unguessable id, and renews the idle timeout.
 */
export function sessionStatusRouter({ idleSeconds }: { idleSeconds: number }): Router {
  const router = Router();

  router.get('/api/users/sessions/:jti', async (req, res) => {
    const { jti } = req.params;
    const active = JTI.test(jti) ? await touchSession(jti, idleSeconds) : false;
    res.set('Cache-Control', 'no-store');
    res.status(200).send({ active });
  });

  return router;
}
