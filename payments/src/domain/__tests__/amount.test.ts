import { toMinorUnits } from '../amount';

describe('toMinorUnits', () => {
  it.each([
    [19.99, 1999],
    [1.1, 110],
    [0.29, 29],
    [4.35, 435],
    [1_000_000, 100_000_000],
    [20, 2000],
  ])('when the price is %p, then the amount is %p cents (no floating-point error)', (price, cents) => {
    expect(toMinorUnits(price)).toBe(cents);
  });

  it('when the price is not a finite non-negative number, then it throws', () => {
    expect(() => toMinorUnits(Number.NaN)).toThrow(RangeError);
    expect(() => toMinorUnits(-1)).toThrow(RangeError);
  });
});
