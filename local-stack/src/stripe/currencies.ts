import { invalidParam, invalidRequest } from './errors';

// The ISO codes Stripe accepts for card payments (its presentment currencies).
const SUPPORTED = (
  'usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bif bmd bnd bob brl bsd bwp byn bzd ' +
  'cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq ' +
  'gyd hkd hnl htg huf idr ils inr isk jmd jpy kes kgs khr kmf krw kyd kzt lak lbp lkr lrd lsl mad ' +
  'mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd pab pen pgk php pkr pln ' +
  'pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos srd std szl thb tjs top try ttd twd tzs ' +
  'uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer zar zmw'
).split(' ');

// Amounts in these currencies are whole units, not cents.
const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);

// Stripe's minimum charge amounts, in the currency's smallest unit.
const MINIMUMS: Record<string, number> = {
  usd: 50,
  aud: 50,
  brl: 50,
  cad: 50,
  chf: 50,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
};

const SYMBOLS: Record<string, string> = {
  usd: '$',
  aud: '$',
  cad: '$',
  nzd: '$',
  sgd: '$',
  hkd: '$',
  mxn: '$',
  eur: '€',
  gbp: '£',
  jpy: '¥',
  inr: '₹',
};

/** Stripe's largest charge: eight digits in the smallest unit. */
const MAXIMUM = 99_999_999;

export function checkCurrency(currency: string): string {
  const code = currency.toLowerCase();
  if (!SUPPORTED.includes(code)) {
    throw invalidParam('currency', `Invalid currency: ${currency}. Stripe currently supports these currencies: ${SUPPORTED.join(', ')}`);
  }
  return code;
}

export function formatMoney(amount: number, currency: string): string {
  const units = ZERO_DECIMAL.has(currency) ? String(amount) : (amount / 100).toFixed(2);
  const symbol = SYMBOLS[currency];
  return symbol ? `${symbol}${units}` : `${units} ${currency.toUpperCase()}`;
}

export function checkChargeAmount(amount: number, currency: string): void {
  if (amount < 1) {
    throw invalidParam('amount', 'This value must be greater than or equal to 1.', 'parameter_invalid_integer');
  }
  const minimum = MINIMUMS[currency] ?? 1;
  if (amount < minimum) {
    throw invalidRequest(`Amount must be at least ${formatMoney(minimum, currency)} ${currency}`, {
      code: 'amount_too_small',
      param: 'amount',
    });
  }
  if (amount > MAXIMUM) {
    throw invalidRequest(`Amount must be no more than ${formatMoney(MAXIMUM, currency)}`, { code: 'amount_too_large', param: 'amount' });
  }
}
