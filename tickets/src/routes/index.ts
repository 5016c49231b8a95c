import { Router } from 'express';
import { listAvailableTickets } from '../domain/tickets';

export function indexTicketRouter(): Router {
  const router = Router();

  router.get('/api/tickets', async (_req, res) => {
    res.status(200).send(await listAvailableTickets());
  });

  return router;
}
