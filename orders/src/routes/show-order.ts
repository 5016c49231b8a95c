import { requireAuth } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { findOrderForUser } from '../services/orders';
import { currentUserId } from './current-user-id';

export function showOrderRouter(): Router {
  const router = Router();
  router.get('/api/orders/:orderId', requireAuth, async (req: Request<{ orderId: string }>, res: Response) => {
    res.send(await findOrderForUser(req.params.orderId, currentUserId(req)));
  });
  return router;
}
