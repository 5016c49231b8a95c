import 'express-async-errors';
import { Logger, logger as defaultLogger } from '@ticketing/common/core';
import type { ServiceMetrics } from '@ticketing/common/metrics';
import { createServiceApp, httpSessionCheck, mongooseReadinessCheck, SessionCheck } from '@ticketing/common/http';
import { natsReadinessCheck } from '@ticketing/common/transport';
import type { Express } from 'express';
import type { PaymentsConfig } from './config';
import { natsWrapper } from './nats-wrapper';
import { listPaymentsRouter } from './routes/list-payments';
import { newPaymentRouter } from './routes/new-payment';
import { createStripeClient, PaymentProvider, stripeProvider } from './stripe-provider';

export type AppConfig = Pick<
  PaymentsConfig,
  'JWT_PUBLIC_KEY' | 'AUTH_URL' | 'COOKIE_SECURE' | 'STRIPE_SECRET_KEY' | 'STRIPE_API_URL' | 'PAYMENTS_CURRENCY'
>;

export interface AppOptions {
  logger?: Logger;
  /** Default: Stripe (or STRIPE_API_URL) through the SDK. */
  provider?: PaymentProvider;
  /** Default: ask auth at AUTH_URL whether a session is still active. */
  sessionCheck?: SessionCheck;
  /** Times requests and serves `GET /metrics`. */
  metrics?: ServiceMetrics;
}

/** The payments HTTP app. Connects nothing and listens nowhere: `src/service.ts` does that. */
export function createApp(config: AppConfig, options: AppOptions = {}): Express {
  const logger = options.logger ?? defaultLogger;
  const provider = options.provider ?? stripeProvider(createStripeClient(config));
  return createServiceApp(
    {
      session: { publicKey: config.JWT_PUBLIC_KEY, check: options.sessionCheck ?? httpSessionCheck(config.AUTH_URL) },
      cookieSecure: config.COOKIE_SECURE,
      readinessChecks: [mongooseReadinessCheck(), natsReadinessCheck(natsWrapper)],
      logger,
      metrics: options.metrics,
    },
    (app) => {
      app.use(newPaymentRouter({ provider, currency: config.PAYMENTS_CURRENCY, logger }));
      app.use(listPaymentsRouter());
    },
  );
}
