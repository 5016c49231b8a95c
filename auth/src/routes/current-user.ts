import { Router } from 'express';

export function currentUserRouter(): Router {
  const router = Router();

  // `currentUser` (mounted by createServiceApp) has already verified the session token.
  router.get('/api/users/currentuser', (req, res) => {
    res.status(200).send({ currentUser: req.currentUser ?? null });
  });

  return router;
}
