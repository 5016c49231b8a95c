import { requireAuth, validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { body } from 'express-validator';
import { createOrder } from '../services/orders';
import { currentUserId } from './current-user-id';

export const TICKET_ID_MESSAGE = 'TicketId must be a valid id';

export function createOrderRouter(options: { expirationWindowSeconds: number }): Router {
  const router = Router();

  router.post(
    '/api/orders',
    requireAuth,
    // The type first, so {"$gt": ""} is a 400 and never reaches a query.
    [body('ticketId').isString().withMessage(TICKET_ID_MESSAGE).bail().isMongoId().withMessage(TICKET_ID_MESSAGE)],
    validateRequest,
    async (req: Request, res: Response) => {
      const { ticketId } = req.body as { ticketId: string };
      const order = await createOrder({ userId: currentUserId(req), ticketId, expirationWindowSeconds: options.expirationWindowSeconds });
      res.status(201).send(order);
    },
  );

  return router;
}
