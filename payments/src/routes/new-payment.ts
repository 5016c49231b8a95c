import { currentUserId, objectIdField, requireAuth, validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { body } from 'express-validator';
import { pay, PaymentDeps } from '../domain/payments';
import { paymentJson } from '../domain/payment-json';

export const TOKEN_MESSAGE = 'A payment token is required';

interface PaymentBody {
  orderId: string;
  token: string;
}

/** POST /api/payments {orderId, token}: 201 the succeeded payment (see the domain for every error). */
export function newPaymentRouter(deps: PaymentDeps): Router {
  const router = Router();

  router.post(
    '/api/payments',
    requireAuth,
    [
      objectIdField('orderId', 'orderId must be a valid id'),
      body('token').isString().withMessage(TOKEN_MESSAGE).bail().trim().notEmpty().withMessage(TOKEN_MESSAGE),
    ],
    validateRequest,
    async (req: Request, res: Response) => {
      const { orderId, token } = req.body as PaymentBody;
      const payment = await pay({ orderId, token, userId: currentUserId(req) }, deps);
      res.status(201).send(paymentJson(payment));
    },
  );

  return router;
}
