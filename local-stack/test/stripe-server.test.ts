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

describe('creating and confirming a PaymentIntent', () => {
  it('when confirmed with pm_card_visa, then it succeeds with a captured charge for the whole amount', async () => {
    const intent = await stripe.paymentIntents.create(visa('order-1'));

    expect(intent).toMatchObject({
      object: 'payment_intent',
      status: 'succeeded',
      amount: 1500,
      amount_received: 1500,
      currency: 'usd',
      livemode: false,
      metadata: { orderId: 'order-1' },
    });
    expect(intent.id).toMatch(/^pi_\w{24}$/);
    expect(intent.client_secret).toMatch(new RegExp(`^${intent.id}_secret_`));
    expect(intent.created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(intent.latest_charge).toMatch(/^ch_/);
    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({
      status: 'succeeded',
      paid: true,
      captured: true,
      amount_captured: 1500,
      payment_intent: intent.id,
      refunded: false,
    });
  });

  it('when confirmed with payment_method_data carrying tok_visa, then it succeeds', async () => {
    const intent = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'eur',
      confirm: true,
      payment_method_data: { type: 'card', card: { token: 'tok_visa' } } as Stripe.PaymentIntentCreateParams.PaymentMethodData,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });

    expect(intent).toMatchObject({
      status: 'succeeded',
      amount_received: 2000,
      currency: 'eur',
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    expect(intent.payment_method).toMatch(/^pm_/);
    expect(intent.latest_charge).toMatch(/^ch_/);
  });

  it('when confirmed with pm_card_chargeDeclined, then the SDK throws a StripeCardError carrying the intent that now requires a payment method', async () => {
    const error = await failure(stripe.paymentIntents.create({ ...visa('order-2'), payment_method: 'pm_card_chargeDeclined' }));

    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({
      statusCode: 402,
      type: 'StripeCardError',
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
    });
    expect(error.raw).toMatchObject({
      type: 'card_error',
      payment_intent: { status: 'requires_payment_method', metadata: { orderId: 'order-2' } },
    });
    expect(error.payment_intent?.last_payment_error).toMatchObject({ code: 'card_declined', type: 'card_error' });
    const [stored] = local.paymentIntents();
    expect(stored).toMatchObject({ id: error.payment_intent?.id, status: 'requires_payment_method', amount_received: 0 });
    expect(local.charges()).toEqual([expect.objectContaining({ status: 'failed', failure_code: 'card_declined', paid: false })]);
  });

  it('when confirmed with tok_chargeDeclined, then the SDK throws a StripeCardError with the decline', async () => {
    const error = await failure(stripe.paymentIntents.create(declined('order-3')));

    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({
      statusCode: 402,
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
    });
    expect(error.payment_intent?.status).toBe('requires_payment_method');
  });

  it('when the payment method or token is unknown, then Stripe answers resource_missing and creates nothing', async () => {
    const byMethod = await failure(stripe.paymentIntents.create({ ...visa('o'), payment_method: 'pm_nope' }));
    const byToken = await failure(
      stripe.paymentIntents.create({
        ...declined('o'),
        payment_method_data: { type: 'card', card: { token: 'tok_nope' } } as Stripe.PaymentIntentCreateParams.PaymentMethodData,
      }),
    );

    expect(byMethod).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(byMethod).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'payment_method',
      message: "No such PaymentMethod: 'pm_nope'",
    });
    expect(byToken).toMatchObject({ statusCode: 400, code: 'resource_missing', message: "No such token: 'tok_nope'" });
    expect(local.paymentIntents()).toHaveLength(0);
  });

  it('when confirming with automatic payment methods that may redirect and no return_url, then Stripe refuses', async () => {
    const error = await failure(
      stripe.paymentIntents.create({ amount: 1500, currency: 'usd', confirm: true, payment_method: 'pm_card_visa' }),
    );

    expect(error).toMatchObject({ statusCode: 400, param: 'return_url' });
    expect(local.paymentIntents()).toHaveLength(0);
  });
});

describe('validation', () => {
  it.each([
    [
      'the amount is missing',
      { currency: 'usd' },
      { code: 'parameter_missing', param: 'amount', message: 'Missing required param: amount.' },
    ],
    [
      'the amount is under 50 cents',
      { amount: 49, currency: 'usd' },
      { code: 'amount_too_small', param: 'amount', message: 'Amount must be at least $0.50 usd' },
    ],
    [
      'the amount is not an integer',
      { amount: 10.5, currency: 'usd' },
      { code: 'parameter_invalid_integer', param: 'amount', message: 'Invalid integer: 10.5' },
    ],
    ['the currency is missing', { amount: 1000 }, { code: 'parameter_missing', param: 'currency' }],
    [
      'the currency is unknown',
      { amount: 1000, currency: 'xyz' },
      { param: 'currency', message: expect.stringMatching(/^Invalid currency: xyz\. Stripe currently supports these currencies: usd, /) },
    ],
    [
      'a parameter is unknown',
      { amount: 1000, currency: 'usd', colour: 'red' },
      { code: 'parameter_unknown', param: 'colour', message: 'Received unknown parameter: colour' },
    ],
  ])('when %s, then the SDK throws StripeInvalidRequestError and nothing is created', async (_case, params, expected) => {
    const error = await failure(stripe.paymentIntents.create(params as unknown as Stripe.PaymentIntentCreateParams));

    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', ...expected });
    expect(error.raw).toMatchObject({ type: 'invalid_request_error' });
    expect(local.paymentIntents()).toHaveLength(0);
  });
});

describe('retrieving', () => {
  it('when an intent exists, then retrieve returns it, with the charge inlined on expand', async () => {
    const created = await stripe.paymentIntents.create(visa('order-r'));

    const plain = await stripe.paymentIntents.retrieve(created.id);
    const expanded = await stripe.paymentIntents.retrieve(created.id, { expand: ['latest_charge'] });

    expect(plain).toMatchObject({ id: created.id, status: 'succeeded', latest_charge: created.latest_charge });
    expect(expanded.latest_charge).toMatchObject({ object: 'charge', id: created.latest_charge, amount: 1500 });
  });

  it('when the id is unknown, then Stripe answers 404 resource_missing', async () => {
    const error = await failure(stripe.paymentIntents.retrieve('pi_missing'));

    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'intent',
      message: "No such payment_intent: 'pi_missing'",
    });
  });
});
