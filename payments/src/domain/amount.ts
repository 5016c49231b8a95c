/**
 * A price in currency units (at most 2 decimals, e.g. 19.99) as integer minor units (1999), read from
 * its decimal digits: `19.99 * 100` is 1998.9999999999998 in floating point.
 */
export function toMinorUnits(price: number): number {
  if (!Number.isFinite(price) || price < 0) throw new RangeError(`not a price: ${price}`);
  const [whole, fraction] = price.toFixed(2).split('.');
  return Number(whole) * 100 + Number(fraction);
}
