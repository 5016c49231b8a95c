import Stripe from 'stripe';
import { startLocalStripe, type LocalStripe } from '../src/stripe';
import { failure, sdkFor, visa } from './stripe-helpers';

let local: LocalStripe;
let stripe: Stripe;

beforeAll(async () => {
  local = await startLocalStripe();
  stripe = sdkFor(local);
});

afterAll(async () => {
  await local.stop();
});

beforeEach(() => local.reset());

describe('authentication', () => {
  it('when no API key is sent, then Stripe answers 401 invalid_request_error', async () => {
    const res = await fetch(`${local.url}/v1/payment_intents/search?query=status:'succeeded'`);
    const body = (await res.json()) as { error: { type: string; message: string } };

    expect(res.status).toBe(401);
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/^You did not provide an API key/);
  });

  it('when the key is not a test secret key, then the SDK throws StripeAuthenticationError and nothing is created', async () => {
    const error = await failure(sdkFor(local, 'sk_live_abcdefghijklmnop').paymentIntents.create(visa('order-1')));

    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error.statusCode).toBe(401);
    expect(error.message).toMatch(/^Invalid API Key provided: sk_live_\*+mnop$/);
    expect(local.paymentIntents()).toHaveLength(0);
  });

  it('when the server is limited to some keys, then another sk_test key is refused and the key given out works', async () => {
    const strict = await startLocalStripe({ apiKeys: ['sk_test_only'] });
    try {
      const refused = await failure(sdkFor(strict, 'sk_test_other').paymentIntents.retrieve('pi_x'));
      const missing = await failure(sdkFor(strict).paymentIntents.retrieve('pi_x'));

      expect(refused).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      expect(missing.statusCode).toBe(404);
    } finally {
      await strict.stop();
    }
  });
});

describe('fault injection', () => {
  it('when the next request is set to fail with 500, then the SDK throws StripeAPIError, nothing is created, and the request after succeeds', async () => {
    local.failNext(1, { status: 500 });

    const error = await failure(stripe.paymentIntents.create(visa('order-2'), { idempotencyKey: 'order-2' }));
    const retried = await stripe.paymentIntents.create(visa('order-2'), { idempotencyKey: 'order-2' });

    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(error).toMatchObject({ statusCode: 500, type: 'StripeAPIError' });
    expect(retried.status).toBe('succeeded');
    expect(retried.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(local.paymentIntents()).toHaveLength(1);
  });

  it('when the answer is lost after processing, then the retry with the same key replays the one intent', async () => {
    local.failNext(1, { status: 503, afterProcessing: true, path: '/v1/payment_intents' });

    const error = await failure(stripe.paymentIntents.create(visa('order-3'), { idempotencyKey: 'order-3' }));
    expect(local.paymentIntents()).toHaveLength(1);
    const retried = await stripe.paymentIntents.create(visa('order-3'), { idempotencyKey: 'order-3' });

    expect(error.statusCode).toBe(503);
    expect(retried.id).toBe(local.paymentIntents()[0].id);
    expect(retried.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(local.paymentIntents()).toHaveLength(1);
  });

  it('when the SDK retries on its own after a 500, then it reuses its idempotency key and one intent is created', async () => {
    local.failNext(2, { afterProcessing: true });
    const retrying = sdkFor(local, local.secretKey, { maxNetworkRetries: 3 });

    const intent = await retrying.paymentIntents.create(visa('order-4'));

    const posts = local.requests().filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(local.paymentIntents().map((i) => i.id)).toEqual([intent.id]);
  });

  it('when the next request hangs, then the SDK times out with StripeConnectionError and nothing is created', async () => {
    local.failNext(1, { hang: true });
    const impatient = sdkFor(local, local.secretKey, { timeout: 300 });

    const error = await failure(impatient.paymentIntents.create(visa('order-5')));

    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(local.paymentIntents()).toHaveLength(0);
  });

  it('when faults are limited to a method and path, then other requests are untouched', async () => {
    const intent = await stripe.paymentIntents.create(visa('order-6'));
    local.failNext(1, { method: 'POST', path: '/v1/refunds' });

    const fetched = await stripe.paymentIntents.retrieve(intent.id);
    const refundError = await failure(stripe.refunds.create({ payment_intent: intent.id }));
    const refund = await stripe.refunds.create({ payment_intent: intent.id });

    expect(fetched.id).toBe(intent.id);
    expect(refundError.statusCode).toBe(500);
    expect(refund.status).toBe('succeeded');
  });

  it('when connections are dropped twice, then the SDK (which retries a closed connection once) throws StripeConnectionError', async () => {
    local.failNext(2, { drop: true });

    const error = await failure(stripe.paymentIntents.create(visa('order-7')));

    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(local.requests().filter((r) => r.faulted)).toHaveLength(2);
    expect(local.paymentIntents()).toHaveLength(0);
  });
});

describe('object shapes', () => {
  it('when objects come back, then they satisfy the SDK types and carry Stripe id prefixes', async () => {
    const intent = await stripe.paymentIntents.create(visa('order-8'));
    const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 500 });
    // Compile-time checks: the server's own records are assignable to the SDK's types.
    const typedIntent: Stripe.PaymentIntent = local.paymentIntents()[0];
    const typedCharge: Stripe.Charge = local.charges()[0];
    const typedRefund: Stripe.Refund = local.refunds()[0];

    expect(typedIntent).toMatchObject({ id: intent.id, object: 'payment_intent', livemode: false });
    expect(typedCharge.id).toMatch(/^ch_/);
    expect(typedRefund).toMatchObject({ id: refund.id, object: 'refund', amount: 500 });
    expect(typeof typedIntent.created).toBe('number');
  });
});
