import { requireAuth } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { listOrders } from '../services/orders';
import { currentUserId } from './current-user-id';

export function listOrdersRouter(): Router {
  const router = Router();
  router.get('/api/orders', requireAuth, async (req: Request, res: Response) => {
    res.send(await listOrders(currentUserId(req)));
  });
  return router;
}
