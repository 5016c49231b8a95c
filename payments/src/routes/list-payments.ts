import { currentUserId, isObjectId, requireAuth, validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { query } from 'express-validator';
import { listPayments } from '../domain/payments';
import { paymentJson } from '../domain/payment-json';

/** GET /api/payments?orderId=: the caller's payments of that order. */
export function listPaymentsRouter(): Router {
  const router = Router();

  router.get(
    '/api/payments',
    requireAuth,
    [query('orderId').custom(isObjectId).withMessage('orderId must be a valid id')],
    validateRequest,
    async (req: Request, res: Response) => {
      const payments = await listPayments(String(req.query.orderId), currentUserId(req));
      res.status(200).send(payments.map(paymentJson));
    },
  );

  return router;
}
