import { currentUserId, isObjectId, NotFoundError, requireAuth, validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { updateTicket } from '../domain/tickets';
import { priceRule, TicketBody, titleRule } from './rules';

export function updateTicketRouter(): Router {
  const router = Router();

  router.put(
    '/api/tickets/:id',
    requireAuth,
    [titleRule(), priceRule()],
    validateRequest,
    async (req: Request<{ id: string }>, res: Response) => {
      // A malformed id names no ticket: 404 before any lookup.
      if (!isObjectId(req.params.id)) throw new NotFoundError();
      const { title, price } = req.body as TicketBody;
      // 404 unknown id, 401 not the owner, 400 reserved; a lost race re-runs on the fresh ticket.
      const ticket = await updateTicket(req.params.id, currentUserId(req), { title, price });
      res.status(200).send(ticket);
    },
  );

  return router;
}
