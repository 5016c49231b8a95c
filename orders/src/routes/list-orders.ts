import { currentUserId, linkNextPage, pageRequest, pageRules, requireAuth, validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { listOrders } from '../domain/orders';

export function listOrdersRouter(): Router {
  const router = Router();
  // The body stays an array (course-style clients read it as is); the next page is in the Link header.
  router.get('/api/orders', requireAuth, pageRules(), validateRequest, async (req: Request, res: Response) => {
    const page = pageRequest(req);
    const { items, next } = await listOrders(currentUserId(req), page);
    linkNextPage(req, res, page, next);
    res.send(items);
  });
  return router;
}
