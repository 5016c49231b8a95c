import { isObjectId, NotFoundError } from '@ticketing/common/http';
import { Router } from 'express';
import { findTicket } from '../domain/tickets';

export function showTicketRouter(): Router {
  const router = Router();

  router.get('/api/tickets/:id', async (req, res) => {
    // A malformed id is a 404 like an unknown one.
    const ticket = isObjectId(req.params.id) ? await findTicket(req.params.id) : null;
    if (!ticket) throw new NotFoundError();
    res.status(200).send(ticket);
  });

  return router;
}
