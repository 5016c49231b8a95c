import { linkNextPage, pageRequest, pageRules, validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { listAvailableTickets } from '../domain/tickets';

export function indexTicketRouter(): Router {
  const router = Router();

  // The body stays an array (course-style clients read it as is); the next page is in the Link header.
  router.get('/api/tickets', pageRules(), validateRequest, async (req: Request, res: Response) => {
    const page = pageRequest(req);
    const { items, next } = await listAvailableTickets(page);
    linkNextPage(req, res, page, next);
    res.status(200).send(items);
  });

  return router;
}
