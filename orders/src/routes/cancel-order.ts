import { currentUserId, isObjectId, NotFoundError, requireAuth } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { cancelOrder } from '../domain/orders';

export function cancelOrderRouter(): Router {
  const router = Router();
  router.delete('/api/orders/:orderId', requireAuth, async (req: Request<{ orderId: string }>, res: Response) => {
    // A malformed id names no order: 404, never a cast error.
    if (!isObjectId(req.params.orderId)) throw new NotFoundError();
    await cancelOrder(req.params.orderId, currentUserId(req));
    res.status(204).send();
  });
  return router;
}
