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

beforeEach(() => local.reset());

describe('searching PaymentIntents', () => {
  it("when searching metadata['orderId'], then only that order's intents come back, in Stripe's search result shape", async () => {
    const wanted = await stripe.paymentIntents.create(visa('order-a'));
    await stripe.paymentIntents.create(visa('order-b'));

    const result = await stripe.paymentIntents.search({ query: "metadata['orderId']:'order-a'" });

    expect(result).toMatchObject({ object: 'search_result', has_more: false, next_page: null, url: '/v1/payment_intents/search' });
    expect(result.data.map((i) => i.id)).toEqual([wanted.id]);
  });

  it('when AND-ing a status clause, then declined attempts for the order are left out', async () => {
    await failure(stripe.paymentIntents.create(declined('order-c')));
    const paid = await stripe.paymentIntents.create(visa('order-c'));

    const all = await stripe.paymentIntents.search({ query: 'metadata["orderId"]:"order-c"' });
    const succeeded = await stripe.paymentIntents.search({ query: "metadata['orderId']:'order-c' AND status:'succeeded'" });

    expect(all.data).toHaveLength(2);
    expect(succeeded.data.map((i) => i.id)).toEqual([paid.id]);
  });

  it('when OR-ing clauses and paging with limit, then results come newest first with next_page until the last page', async () => {
    const first = await stripe.paymentIntents.create(visa('order-d'));
    const second = await stripe.paymentIntents.create(visa('order-e'));
    await stripe.paymentIntents.create(visa('order-f'));

    const page1 = await stripe.paymentIntents.search({ query: "metadata['orderId']:'order-d' OR metadata['orderId']:'order-e'", limit: 1 });
    const page2 = await stripe.paymentIntents.search({
      query: "metadata['orderId']:'order-d' OR metadata['orderId']:'order-e'",
      limit: 1,
      page: page1.next_page ?? '',
    });

    expect(page1).toMatchObject({ has_more: true, data: [expect.objectContaining({ id: second.id })] });
    expect(page2).toMatchObject({ has_more: false, next_page: null, data: [expect.objectContaining({ id: first.id })] });
  });

  it('when the query uses an unsupported field or mixes AND with OR, then Stripe refuses it', async () => {
    const badField = await failure(stripe.paymentIntents.search({ query: "colour:'red'" }));
    const mixed = await failure(stripe.paymentIntents.search({ query: "status:'succeeded' AND currency:'usd' OR amount>10" }));

    expect(badField).toMatchObject({ statusCode: 400, param: 'query' });
    expect(badField.message).toMatch(/unsupported search field/);
    expect(mixed).toMatchObject({ statusCode: 400, param: 'query' });
  });
});

describe('refunds', () => {
  it('when a succeeded intent is refunded, then the refund succeeds and its charge shows it as refunded', async () => {
    const intent = await stripe.paymentIntents.create(visa('order-r'));

    const refund = await stripe.refunds.create({ payment_intent: intent.id });

    expect(refund).toMatchObject({
      object: 'refund',
      status: 'succeeded',
      amount: 1500,
      currency: 'usd',
      payment_intent: intent.id,
      charge: intent.latest_charge,
    });
    expect(refund.id).toMatch(/^re_/);
    const after = await stripe.paymentIntents.retrieve(intent.id, { expand: ['latest_charge'] });
    expect(after.status).toBe('succeeded');
    expect(after.latest_charge).toMatchObject({ refunded: true, amount_refunded: 1500 });
    expect(local.refunds()).toHaveLength(1);
  });

  it('when partial refunds would exceed what remains, then Stripe answers amount_too_large and keeps the earlier refund', async () => {
    const intent = await stripe.paymentIntents.create(visa('order-p'));
    await stripe.refunds.create({ payment_intent: intent.id, amount: 1000 });

    const error = await failure(stripe.refunds.create({ payment_intent: intent.id, amount: 600 }));

    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({
      statusCode: 400,
      code: 'amount_too_large',
      param: 'amount',
      message: 'Refund amount ($6.00) is greater than unrefunded amount on charge ($5.00)',
    });
    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({ amount_refunded: 1000, refunded: false });
  });

  it('when a fully refunded charge is refunded again, then Stripe answers charge_already_refunded', async () => {
    const intent = await stripe.paymentIntents.create(visa('order-q'));
    await stripe.refunds.create({ payment_intent: intent.id });

    const error = await failure(stripe.refunds.create({ payment_intent: intent.id }));

    expect(error).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
    expect(local.refunds()).toHaveLength(1);
  });

  it('when the intent has no successful charge or does not exist, then the refund is refused', async () => {
    const decline = await failure(stripe.paymentIntents.create(declined('order-x')));

    const unpaid = await failure(stripe.refunds.create({ payment_intent: decline.payment_intent?.id }));
    const missing = await failure(stripe.refunds.create({ payment_intent: 'pi_missing' }));

    expect(unpaid).toMatchObject({ statusCode: 400, param: 'payment_intent' });
    expect(missing).toMatchObject({ statusCode: 400, code: 'resource_missing' });
    expect(local.refunds()).toHaveLength(0);
  });
});
