import { BadInputError } from '@frontrow/kit';

/** Trims required text and checks its length; blank text is refused naming the field. */
export function requiredText(value: string, field: string, max: number): string {
  const v = value.trim();
  if (!v) throw new BadInputError(`${field} must not be empty.`, field);
  if (v.length > max) throw new BadInputError(`${field} must have at most ${max} characters.`, field);
  return v;
}

/** An IANA zone name that the runtime knows ("Europe/Madrid", "UTC"). */
export function checkTimezone(value: string, field = 'timezone'): string {
  const tz = requiredText(value, field, 64);
  try {
    // Throws a RangeError for a zone the ICU database does not have.
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new BadInputError(`"${tz}" is not an IANA time zone (e.g. "America/New_York").`, field);
  }
  return tz;
}

export function checkCapacity(value: number | null | undefined, field = 'capacity'): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 0) throw new BadInputError('capacity must be zero or more.', field);
  return value;
}

/** An event ends after it starts. */
export function checkWindow(startsAt: Date, endsAt: Date): void {
  if (endsAt.getTime() <= startsAt.getTime()) throw new BadInputError('endsAt must be after startsAt.', 'endsAt');
}

/** Escapes LIKE's wildcards so that user text matches literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
