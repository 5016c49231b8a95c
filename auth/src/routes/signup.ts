import { validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { runPasswordAttempt } from '../domain/password';
import { signUp } from '../domain/users';
import type { SigninThrottle } from '../domain/throttle';
import { CredentialsBody, emailRule, newPasswordRule } from './rules';
import { clientKeyOf, SessionOptions, startSession, withRetryAfter } from './session-options';

export function signupRouter(options: SessionOptions, throttle: SigninThrottle): Router {
  const router = Router();

  router.post('/api/users/signup', [emailRule(), newPasswordRule()], validateRequest, async (req: Request, res: Response) => {
    const { email, password } = req.body as CredentialsBody;
    const ip = clientKeyOf(req);
    const user = await withRetryAfter(res, () =>
      runPasswordAttempt(ip, () =>
        throttle.run({ ip, email }, () => signUp({ email, password, clientKey: ip }), { resetOnSuccess: false }),
      ),
    );
    await startSession(req, res, user, options);
    res.status(201).send(user);
  });

  return router;
}
