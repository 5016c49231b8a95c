import { requireAuth, validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { updateTicket } from '../services/tickets';
import { priceRule, TicketBody, titleRule } from './rules';

export function updateTicketRouter(): Router {
  const router = Router();

  router.put(
    '/api/tickets/:id',
    requireAuth,
    [titleRule(), priceRule()],
    validateRequest,
    async (req: Request<{ id: string }>, res: Response) => {
      const { title, price } = req.body as TicketBody;
      // 404 unknown or malformed id, 401 not the owner, 400 reserved; a lost race re-runs on the fresh ticket.
      const ticket = await updateTicket(req.params.id, req.currentUser!.id, { title, price });
      res.status(200).send(ticket);
    },
  );

  return router;
}
