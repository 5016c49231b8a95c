import Stripe from 'stripe';
import { startLocalStripe, type LocalStripe } from '../src/stripe';
import { declined, failure, sdkFor, visa } from './stripe-helpers';

let local: LocalStripe;
let stripe: Stripe;

beforeAll(async () => {
  local = await startLocalStripe();
  stripe = sdkFor(local);
});

afterAll(async () => {
  await local.stop();
});

beforeEach(() => {
  local.reset();
  local.setLatency(0);
});

describe('idempotency keys', () => {
  it('when a create is retried with the same key and parameters, then the first answer is replayed and one intent exists', async () => {
    const first = await stripe.paymentIntents.create(visa('order-1'), { idempotencyKey: 'order-1' });
    const again = await stripe.paymentIntents.create(visa('order-1'), { idempotencyKey: 'order-1' });

    expect(again).toEqual(first);
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(again.lastResponse.headers['idempotency-key']).toBe('order-1');
    expect(local.paymentIntents()).toHaveLength(1);
    expect(local.charges()).toHaveLength(1);
  });

  it('when a declined create is retried with the same key, then the same 402 is replayed and the card is not charged again', async () => {
    const first = await failure(stripe.paymentIntents.create(declined('order-2'), { idempotencyKey: 'order-2' }));
    const again = await failure(stripe.paymentIntents.create(declined('order-2'), { idempotencyKey: 'order-2' }));

    expect(again).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(again.statusCode).toBe(402);
    const body = (error: Stripe.errors.StripeError): object => ({ ...(error.raw as object), headers: undefined, requestId: undefined });
    expect(body(again)).toEqual(body(first));
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    expect(local.paymentIntents()).toHaveLength(1);
    expect(local.charges()).toHaveLength(1);
  });

  it('when the same key comes with other parameters, then the SDK throws StripeIdempotencyError and nothing new is created', async () => {
    await stripe.paymentIntents.create(visa('order-3'), { idempotencyKey: 'order-3' });

    const error = await failure(stripe.paymentIntents.create(visa('order-3', 9999), { idempotencyKey: 'order-3' }));

    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
    expect(error.raw).toMatchObject({ type: 'idempotency_error' });
    expect(error.message).toMatch(/same parameters they were first used with/);
    expect(local.paymentIntents()).toHaveLength(1);
  });

  it('when the same key is used on another endpoint, then the SDK throws StripeIdempotencyError', async () => {
    const intent = await stripe.paymentIntents.create(visa('order-4'), { idempotencyKey: 'order-4' });

    const error = await failure(stripe.refunds.create({ payment_intent: intent.id }, { idempotencyKey: 'order-4' }));

    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(local.refunds()).toHaveLength(0);
  });

  it('when two API keys use the same idempotency key, then each gets its own intent', async () => {
    const mine = await stripe.paymentIntents.create(visa('order-5'), { idempotencyKey: 'shared' });
    const theirs = await sdkFor(local, 'sk_test_other').paymentIntents.create(visa('order-5'), { idempotencyKey: 'shared' });

    expect(theirs.id).not.toBe(mine.id);
    expect(local.paymentIntents()).toHaveLength(2);
  });

  it('when the first request under a key fails validation, then nothing is kept and a corrected request may use the key', async () => {
    const invalid = await failure(stripe.paymentIntents.create({ ...visa('order-6'), amount: 10 }, { idempotencyKey: 'order-6' }));
    const fixed = await stripe.paymentIntents.create(visa('order-6'), { idempotencyKey: 'order-6' });

    expect(invalid.code).toBe('amount_too_small');
    expect(fixed.status).toBe('succeeded');
    expect(local.paymentIntents()).toHaveLength(1);
  });

  it('when 10 creates with one key arrive at once, then exactly one intent is created and every answer carries it', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => stripe.paymentIntents.create(visa('order-7'), { idempotencyKey: 'order-7' })),
    );

    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
    expect(local.paymentIntents()).toHaveLength(1);
    expect(local.charges()).toHaveLength(1);
  });

  it('when 10 creates with one key overlap the first one executing, then one intent is created and the others get 409 idempotency_key_in_use', async () => {
    local.setLatency(300);

    const settled = await Promise.allSettled(
      Array.from({ length: 10 }, () => stripe.paymentIntents.create(visa('order-8'), { idempotencyKey: 'order-8' })),
    );

    const created = settled.filter((s): s is PromiseFulfilledResult<Stripe.Response<Stripe.PaymentIntent>> => s.status === 'fulfilled');
    const conflicts = settled
      .filter((s): s is PromiseRejectedResult => s.status === 'rejected')
      .map((s) => s.reason as Stripe.errors.StripeError);
    expect(created).toHaveLength(1);
    expect(conflicts).toHaveLength(9);
    for (const conflict of conflicts) expect(conflict).toMatchObject({ statusCode: 409, code: 'idempotency_key_in_use' });
    expect(local.paymentIntents()).toHaveLength(1);
    const retried = await stripe.paymentIntents.create(visa('order-8'), { idempotencyKey: 'order-8' });
    expect(retried.id).toBe(created[0].value.id);
  });

  it('when the SDK retries a 409 conflict itself, then the retry gets the replayed intent', async () => {
    local.setLatency(200);
    const retrying = sdkFor(local, local.secretKey, { maxNetworkRetries: 3 });

    const [a, b] = await Promise.all([
      retrying.paymentIntents.create(visa('order-9'), { idempotencyKey: 'order-9' }),
      retrying.paymentIntents.create(visa('order-9'), { idempotencyKey: 'order-9' }),
    ]);

    expect(b.id).toBe(a.id);
    expect(local.paymentIntents()).toHaveLength(1);
    expect(local.requests().filter((r) => r.status === 409).length).toBeGreaterThanOrEqual(1);
  });

  it('when a GET carries an idempotency key, then it is ignored', async () => {
    const intent = await stripe.paymentIntents.create(visa('order-10'));
    const res = await fetch(`${local.url}/v1/payment_intents/${intent.id}`, {
      headers: { Authorization: `Bearer ${local.secretKey}`, 'Idempotency-Key': 'k' },
    });
    const again = await fetch(`${local.url}/v1/payment_intents/${intent.id}`, {
      headers: { Authorization: `Bearer ${local.secretKey}`, 'Idempotency-Key': 'k' },
    });

    expect([res.status, again.status]).toEqual([200, 200]);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
  });
});
