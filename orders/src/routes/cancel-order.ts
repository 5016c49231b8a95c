import { requireAuth } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { cancelOrder } from '../services/orders';
import { currentUserId } from './current-user-id';

export function cancelOrderRouter(): Router {
  const router = Router();
  router.delete('/api/orders/:orderId', requireAuth, async (req: Request<{ orderId: string }>, res: Response) => {
    await cancelOrder(req.params.orderId, currentUserId(req));
    res.status(204).send();
  });
  return router;
}
