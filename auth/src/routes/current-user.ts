import { Router } from 'express';

export function currentUserRouter(): Router {
  const router = Router();

  // `currentUser` (mounted by createServiceApp) has already verified the session token and that it is active.
  router.get('/api/users/currentuser', (req, res) => {
    const user = req.currentUser;
    res.status(200).send({ currentUser: user ? { id: user.id, email: user.email, iat: user.iat, exp: user.exp } : null });
  });

  return router;
}
