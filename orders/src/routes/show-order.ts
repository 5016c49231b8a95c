import { currentUserId, isObjectId, NotFoundError, requireAuth } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { findOrderForUser } from '../domain/orders';

export function showOrderRouter(): Router {
  const router = Router();
  router.get('/api/orders/:orderId', requireAuth, async (req: Request<{ orderId: string }>, res: Response) => {
    // A malformed id names no order: 404, never a cast error.
    if (!isObjectId(req.params.orderId)) throw new NotFoundError();
    res.send(await findOrderForUser(req.params.orderId, currentUserId(req)));
  });
  return router;
}
