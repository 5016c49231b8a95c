import { ApiError, invalidParam, invalidRequest, resourceMissing } from './errors';
import { ok, type Handler } from './api';
import {
  optionalBoolean,
  optionalObject,
  optionalString,
  optionalStringArray,
  readMetadata,
  rejectUnknown,
  requiredInteger,
  requiredString,
  type FormParams,
} from './form';
import { checkChargeAmount, checkCurrency } from './currencies';
import { createCharge } from './charges';
import { newId, unixNow, type StripeStore } from './store';
import { cardForPaymentMethod, cardForToken, cardOf, paymentMethodFor } from './test-cards';
import type { ErrorDetail, PaymentIntentObject, PaymentMethodObject } from './types';

const CREATE_PARAMS = [
  'amount',
  'currency',
  'metadata',
  'confirm',
  'payment_method',
  'payment_method_data',
  'payment_method_types',
  'allowed_payment_method_types',
  'excluded_payment_method_types',
  'automatic_payment_methods',
  'description',
  'receipt_email',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'return_url',
  'expand',
  'off_session',
  'error_on_requires_action',
  'capture_method',
  'confirmation_method',
];
const CONFIRM_PARAMS = ['payment_method', 'payment_method_data', 'return_url', 'expand', 'off_session', 'error_on_requires_action'];

/** Resolves `payment_method` or `payment_method_data` to a stored PaymentMethod (test cards only). */
function resolvePaymentMethod(store: StripeStore, params: FormParams): PaymentMethodObject | undefined {
  const id = optionalString(params, 'payment_method');
  const data = optionalObject(params, 'payment_method_data');
  if (id !== undefined && data !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: payment_method, payment_method_data.', {
      code: 'parameters_exclusive',
      param: 'payment_method_data',
    });
  }
  if (id !== undefined) {
    const stored = store.paymentMethods.get(id);
    if (stored) return stored;
    const card = cardForPaymentMethod(id);
    if (!card) throw resourceMissing(`No such PaymentMethod: '${id}'`, 'payment_method');
    return paymentMethodFor(card);
  }
  if (data === undefined) return undefined;
  const type = requiredString(data, 'type', 'payment_method_data[type]');
  if (type !== 'card') {
    throw invalidParam(
      'payment_method_data[type]',
      `Invalid payment_method_data[type]: the local Stripe server supports only card, not ${type}.`,
    );
  }
  const card = optionalObject(data, 'card');
  const token = card ? requiredString(card, 'token', 'payment_method_data[card][token]') : undefined;
  if (token === undefined)
    throw invalidRequest('Missing required param: payment_method_data[card][token].', {
      code: 'parameter_missing',
      param: 'payment_method_data[card][token]',
    });
  const testCard = cardForToken(token);
  if (!testCard) throw resourceMissing(`No such token: '${token}'`, 'payment_method_data[card][token]');
  return paymentMethodFor(testCard, readMetadata(data));
}

interface MethodChoice {
  types: string[];
  allowed: string[] | null;
  excluded: string[] | null;
  automatic: PaymentIntentObject['automatic_payment_methods'];
}

/** Card is the only method here: a list that names another one is refused, not ignored. */
function checkCardOnly(types: string[] | undefined, param: string): void {
  const unsupported = types?.find((t) => t !== 'card');
  if (unsupported !== undefined) {
    throw invalidRequest(`The payment method type provided: ${unsupported} is invalid. The local Stripe server supports only card.`, {
      code: 'payment_intent_invalid_parameter',
      param,
    });
  }
}

/**
 * `allowed_payment_method_types` (current API versions), `payment_method_types` (older ones), or
 * `automatic_payment_methods`, which is the default when no list is given.
 */
function readMethodChoice(params: FormParams): MethodChoice {
  const listed = optionalStringArray(params, 'payment_method_types');
  const allowed = optionalStringArray(params, 'allowed_payment_method_types');
  const excluded = optionalStringArray(params, 'excluded_payment_method_types') ?? null;
  const automatic = optionalObject(params, 'automatic_payment_methods');
  const given = [
    listed && 'payment_method_types',
    allowed && 'allowed_payment_method_types',
    automatic && 'automatic_payment_methods',
  ].filter(Boolean);
  if (given.length > 1) {
    throw invalidRequest(`You may only specify one of these parameters: ${given.join(', ')}.`, {
      code: 'parameters_exclusive',
      param: String(given[1]),
    });
  }
  checkCardOnly(listed, 'payment_method_types');
  checkCardOnly(allowed, 'allowed_payment_method_types');
  if (excluded?.includes('card')) {
    throw invalidRequest('No payment method types remain once excluded_payment_method_types is applied.', {
      param: 'excluded_payment_method_types',
    });
  }
  if (listed !== undefined || allowed !== undefined) return { types: ['card'], allowed: allowed ?? null, excluded, automatic: null };
  const enabled = automatic ? optionalBoolean(automatic, 'enabled', 'automatic_payment_methods[enabled]') : true;
  const redirects = automatic ? optionalString(automatic, 'allow_redirects', 'automatic_payment_methods[allow_redirects]') : undefined;
  if (redirects !== undefined && redirects !== 'always' && redirects !== 'never') {
    throw invalidParam(
      'automatic_payment_methods[allow_redirects]',
      `Invalid automatic_payment_methods[allow_redirects]: must be one of always or never`,
    );
  }
  return {
    types: ['card'],
    allowed: null,
    excluded,
    automatic: { enabled: enabled ?? true, ...(redirects ? { allow_redirects: redirects } : {}) },
  };
}

/** Stripe's guard: confirming with redirect-capable automatic methods needs a return_url. */
function checkConfirmable(intent: PaymentIntentObject, method: PaymentMethodObject | undefined, returnUrl: string | undefined): void {
  if (!method) {
    throw invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm it, update it with a payment_method, or pass payment_method when confirming.",
      { code: 'payment_intent_unexpected_state', payment_intent: structuredClone(intent) },
    );
  }
  const automatic = intent.automatic_payment_methods;
  if (automatic?.enabled && automatic.allow_redirects !== 'never' && returnUrl === undefined) {
    throw invalidRequest(
      'This PaymentIntent is configured to accept payment methods enabled in your Dashboard, some of which may redirect your customer off your page, so you must provide a `return_url`. ' +
        'To accept only methods without redirects, set `automatic_payment_methods[allow_redirects]` to `never` (or list `allowed_payment_method_types`).',
      { param: 'return_url' },
    );
  }
}

/** Charges the intent's card: `succeeded`, or a 402 card error that is kept for idempotent replay. */
function confirm(store: StripeStore, intent: PaymentIntentObject, method: PaymentMethodObject): void {
  store.paymentMethods.set(method.id, method);
  const card = cardOf(method);
  if (!card) throw new ApiError(500, { type: 'api_error', message: 'Unknown test card.' });
  const charge = createCharge(store, intent, method.id, card);
  intent.latest_charge = charge.id;
  if (!card.decline) {
    Object.assign(intent, { status: 'succeeded', amount_received: intent.amount, payment_method: method.id, last_payment_error: null });
    return;
  }
  const error: ErrorDetail = {
    type: 'card_error',
    code: card.decline.code,
    decline_code: card.decline.declineCode,
    doc_url: 'https://stripe.com/docs/error-codes/card-declined',
    message: card.decline.message,
    charge: charge.id,
    payment_method: structuredClone(method),
  };
  // A declined confirmation detaches the method and asks for another one.
  Object.assign(intent, { status: 'requires_payment_method', payment_method: null, last_payment_error: error });
  throw new ApiError(402, { ...error, payment_intent: structuredClone(intent) }, true);
}

function newIntent(params: FormParams): PaymentIntentObject {
  const amount = requiredInteger(params, 'amount');
  const currency = checkCurrency(requiredString(params, 'currency'));
  checkChargeAmount(amount, currency);
  for (const [name, only] of [
    ['capture_method', 'automatic'],
    ['confirmation_method', 'automatic'],
  ] as const) {
    const value = optionalString(params, name);
    if (value !== undefined && value !== only) throw invalidParam(name, `The local Stripe server supports only ${name}=${only}.`);
  }
  const choice = readMethodChoice(params);
  const id = newId('pi');
  return {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: choice.allowed,
    amount,
    amount_capturable: 0,
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: choice.automatic,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: `${id}_secret_${newId('x').slice(2)}`,
    confirmation_method: 'automatic',
    created: unixNow(),
    currency,
    customer: null,
    customer_account: null,
    description: optionalString(params, 'description') ?? null,
    excluded_payment_method_types: choice.excluded,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: readMetadata(params),
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: choice.types,
    payment_record: null,
    processing: null,
    receipt_email: optionalString(params, 'receipt_email') ?? null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: optionalString(params, 'statement_descriptor') ?? null,
    statement_descriptor_suffix: optionalString(params, 'statement_descriptor_suffix') ?? null,
    status: 'requires_payment_method',
    transfer_group: null,
  };
}

/** `expand[]=latest_charge` (or `data.latest_charge` in lists) inlines the charge object. */
export function renderIntent(store: StripeStore, intent: PaymentIntentObject, expand: readonly string[], prefix = ''): PaymentIntentObject {
  const copy = structuredClone(intent);
  for (const path of expand) {
    const field = prefix ? path.slice(prefix.length) : path;
    if (prefix && !path.startsWith(prefix)) throw invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand' });
    if (field !== 'latest_charge') throw invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand' });
    if (typeof copy.latest_charge === 'string') copy.latest_charge = structuredClone(store.charges.get(copy.latest_charge) ?? null);
  }
  return copy;
}

/** POST /v1/payment_intents */
export const createPaymentIntent: Handler = ({ params }, store) => {
  rejectUnknown(params, CREATE_PARAMS);
  const intent = newIntent(params);
  const method = resolvePaymentMethod(store, params);
  const shouldConfirm = optionalBoolean(params, 'confirm') ?? false;
  const expand = optionalStringArray(params, 'expand') ?? [];
  renderIntent(store, intent, expand);
  if (shouldConfirm) checkConfirmable(intent, method, optionalString(params, 'return_url'));
  // From here on the endpoint has executed: the intent exists even if the card is declined.
  store.addIntent(intent);
  if (method && !shouldConfirm) {
    store.paymentMethods.set(method.id, method);
    Object.assign(intent, { payment_method: method.id, status: 'requires_confirmation' });
  }
  if (method && shouldConfirm) confirm(store, intent, method);
  return ok(renderIntent(store, intent, expand));
};

/** POST /v1/payment_intents/:id/confirm */
export const confirmPaymentIntent: Handler = ({ params, pathParams }, store) => {
  rejectUnknown(params, CONFIRM_PARAMS);
  const intent = findIntent(store, pathParams.id, 'intent', 404);
  if (intent.status === 'succeeded' || intent.status === 'canceled') {
    throw invalidRequest(`This PaymentIntent's status is ${intent.status}, so it cannot be confirmed.`, {
      code: 'payment_intent_unexpected_state',
      payment_intent: structuredClone(intent),
    });
  }
  const method =
    resolvePaymentMethod(store, params) ?? (intent.payment_method ? store.paymentMethods.get(intent.payment_method) : undefined);
  const expand = optionalStringArray(params, 'expand') ?? [];
  checkConfirmable(intent, method, optionalString(params, 'return_url'));
  if (method) confirm(store, intent, method);
  return ok(renderIntent(store, intent, expand));
};

export function findIntent(store: StripeStore, id: string, param: string, status: number): PaymentIntentObject {
  const intent = store.intents.get(id);
  if (!intent) throw resourceMissing(`No such payment_intent: '${id}'`, param, status);
  return intent;
}

/** GET /v1/payment_intents/:id */
export const retrievePaymentIntent: Handler = ({ params, pathParams }, store) => {
  rejectUnknown(params, ['expand', 'client_secret']);
  const intent = findIntent(store, pathParams.id, 'intent', 404);
  return ok(renderIntent(store, intent, optionalStringArray(params, 'expand') ?? []));
};
