import { validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { deviceKey } from '../domain/device-cookies';
import { runPasswordAttempt } from '../domain/password';
import { signIn } from '../domain/users';
import type { SigninThrottle } from '../domain/throttle';
import { CredentialsBody, emailRule, suppliedPasswordRule } from './rules';
import { clientKeyOf, knownDeviceFor, SessionOptions, startSession, withRetryAfter } from './session-options';

export function signinRouter(options: SessionOptions, throttle: SigninThrottle): Router {
  const router = Router();

  router.post('/api/users/signin', [emailRule(), suppliedPasswordRule()], validateRequest, async (req: Request, res: Response) => {
    const { email, password } = req.body as CredentialsBody;
    const ip = clientKeyOf(req);
    const device = knownDeviceFor(res, options.devices, email);
    const user = await withRetryAfter(res, () =>
      runPasswordAttempt(
        device === undefined ? ip : deviceKey(device),
        () => throttle.run({ ip, email, device }, () => signIn({ email, password, clientKey: ip }), { resetOnSuccess: true }),
        { trusted: device !== undefined },
      ),
    );
    await startSession(req, res, user, options);
    res.status(200).send(user);
  });

  return router;
}
