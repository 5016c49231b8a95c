import 'express-async-errors';
import { Logger, logger as defaultLogger } from '@ticketing/common/core';
import { createServiceApp, mongooseReadinessCheck } from '@ticketing/common/http';
import { natsReadinessCheck } from '@ticketing/common/transport';
import type { Express } from 'express';
import type { PaymentsConfig } from './config';
import { natsWrapper } from './nats-wrapper';
import { listPaymentsRouter } from './routes/list-payments';
import { newPaymentRouter } from './routes/new-payment';
import { createStripeClient, PaymentProvider, stripeProvider } from './stripe-provider';

export type AppConfig = Pick<PaymentsConfig, 'JWT_KEY' | 'COOKIE_SECURE' | 'STRIPE_SECRET_KEY' | 'STRIPE_API_URL' | 'PAYMENTS_CURRENCY'>;

export interface AppOptions {
  logger?: Logger;
  /** Default: Stripe (or STRIPE_API_URL) through the SDK. */
  provider?: PaymentProvider;
}

/** The payments HTTP app. Connects nothing and listens nowhere: `src/service.ts` does that. */
export function createApp(config: AppConfig, options: AppOptions = {}): Express {
  const logger = options.logger ?? defaultLogger;
  const provider = options.provider ?? stripeProvider(createStripeClient(config));
  return createServiceApp(
    {
      jwtKey: config.JWT_KEY,
      cookieSecure: config.COOKIE_SECURE,
      readinessChecks: [mongooseReadinessCheck(), natsReadinessCheck(natsWrapper)],
      logger,
    },
    (app) => {
      app.use(newPaymentRouter({ provider, currency: config.PAYMENTS_CURRENCY, logger }));
      app.use(listPaymentsRouter());
    },
  );
}
