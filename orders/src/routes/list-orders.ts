import { currentUserId, requireAuth } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { listOrders } from '../domain/orders';

export function listOrdersRouter(): Router {
  const router = Router();
  router.get('/api/orders', requireAuth, async (req: Request, res: Response) => {
    res.send(await listOrders(currentUserId(req)));
  });
  return router;
}
