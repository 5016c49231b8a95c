import { currentUserId, requireAuth, validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { createTicket } from '../domain/tickets';
import { priceRule, TicketBody, titleRule } from './rules';

export function createTicketRouter(): Router {
  const router = Router();

  router.post('/api/tickets', requireAuth, [titleRule(), priceRule()], validateRequest, async (req: Request, res: Response) => {
    const { title, price } = req.body as TicketBody;
    const ticket = await createTicket({ title, price, userId: currentUserId(req) });
    res.status(201).send(ticket);
  });

  return router;
}
