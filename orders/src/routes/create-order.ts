import { currentUserId, objectIdField, requireAuth, validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { createOrder } from '../domain/orders';

export const TICKET_ID_MESSAGE = 'TicketId must be a valid id';

export function createOrderRouter(options: { expirationWindowSeconds: number; maxActiveOrders: number }): Router {
  const router = Router();

  router.post(
    '/api/orders',
    requireAuth,
    // 24 hex digits in a string: a number or {"$gt": ""} is a 400 and never reaches a query.
    [objectIdField('ticketId', TICKET_ID_MESSAGE)],
    validateRequest,
    async (req: Request, res: Response) => {
      const { ticketId } = req.body as { ticketId: string };
      const order = await createOrder({
        userId: currentUserId(req),
        ticketId,
        expirationWindowSeconds: options.expirationWindowSeconds,
        maxActiveOrders: options.maxActiveOrders,
      });
      res.status(201).send(order);
    },
  );

  return router;
}
