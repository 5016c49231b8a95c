import { requireAuth, validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { createTicket } from '../services/tickets';
import { priceRule, TicketBody, titleRule } from './rules';

export function createTicketRouter(): Router {
  const router = Router();

  router.post('/api/tickets', requireAuth, [titleRule(), priceRule()], validateRequest, async (req: Request, res: Response) => {
    const { title, price } = req.body as TicketBody;
    // requireAuth has run, so currentUser is set.
    const ticket = await createTicket({ title, price, userId: req.currentUser!.id });
    res.status(201).send(ticket);
  });

  return router;
}
