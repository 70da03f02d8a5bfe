import { createHash } from 'node:crypto';
import { BadInputError } from '@frontrow/kit';

export function checkText(value: string, field: string, max: number): string {
  const v = value.trim();
  if (!v) throw new BadInputError(`${field} must not be empty.`, field);
  if (v.length > max) throw new BadInputError(`${field} must have at most ${max} characters.`, field);
  return v;
}

/** The largest price: 1,000,000.00 in a two-decimal currency; a 10-unit order still fits an Int. */
export const MAX_AMOUNT = 100_000_000;

export function checkAmount(amount: number, field = 'amount'): number {
  if (!Number.isInteger(amount) || amount < 1 || amount > MAX_AMOUNT) {
    throw new BadInputError(`${field} must be a whole number of minor units between 1 and ${MAX_AMOUNT}.`, field);
  }
  return amount;
}

export function checkCurrency(currency: string, field = 'currency'): string {
  if (!/^[A-Z]{3}$/.test(currency)) throw new BadInputError(`${field} must be an ISO 4217 code: three upper-case letters.`, field);
  return currency;
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
