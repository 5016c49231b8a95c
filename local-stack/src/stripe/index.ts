// A local Stripe-compatible test server for the payments service and its tests.
export { startLocalStripe, LOCAL_STRIPE_SECRET_KEY } from './stripe-server';
export type { LocalStripe, LocalStripeOptions, RequestRecord } from './stripe-server';
export type { FaultOptions } from './faults';
export type * from './types';
