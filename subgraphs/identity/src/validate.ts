import { BadInputError } from '@frontrow/kit';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(email: string, field = 'email'): string {
  const e = email.trim().toLowerCase();
  if (e.length > 254 || !EMAIL.test(e)) throw new BadInputError('Enter a valid email address.', field);
  return e;
}

export function checkPassword(password: string, field = 'password'): void {
  if (password.length < 10) throw new BadInputError('The password must have at least 10 characters.', field);
  if (password.length > 200) throw new BadInputError('The password must have at most 200 characters.', field);
}

export function checkText(value: string, field: string, max: number, min = 1): string {
  const v = value.trim();
  if (v.length < min) throw new BadInputError(`${field} must not be empty.`, field);
  if (v.length > max) throw new BadInputError(`${field} must have at most ${max} characters.`, field);
  return v;
}

/**
 * What an error message may show of a caller's input: a short prefix in quotes,
 * with anything but printable ASCII replaced, so a message never carries a huge
 * string or characters that could mislead whoever reads it.
 */
export function quoteInput(value: string, max = 32): string {
  const shown = value.slice(0, max).replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(value.length > max ? `${shown}...` : shown);
}
