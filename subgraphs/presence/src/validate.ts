import { randomInt } from 'node:crypto';
import { BadInputError } from '@frontrow/kit';

// C0/C1 control characters other than tab and newline.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** Trims, drops control characters, and checks the length in characters (code points). */
export function checkText(value: string, field: string, max: number, min = 1): string {
  const v = value.replace(CONTROL, '').trim();
  const length = [...v].length;
  if (length < min) throw new BadInputError(`${field} must not be empty.`, field);
  if (length > max) throw new BadInputError(`${field} must have at most ${max} characters.`, field);
  return v;
}

/** No 0/O, 1/I/L: a code read aloud or off a headset screen is typed right. */
export const INVITE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const INVITE_LENGTH = 8;

export function newInviteCode(): string {
  let code = '';
  for (let i = 0; i < INVITE_LENGTH; i++) code += INVITE_ALPHABET[randomInt(INVITE_ALPHABET.length)];
  return code;
}

/** Accepts what people type: lower case, spaces and dashes. Null when it cannot be a code. */
export function normalizeInviteCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== INVITE_LENGTH) return null;
  for (const c of code) if (!INVITE_ALPHABET.includes(c)) return null;
  return code;
}

const EMOJI_PART = /^(?:\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|\p{Emoji_Component}|\u200d|\ufe0f)+$/u;
const EMOJI_BASE = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Longest reaction text, in UTF-16 code units: 16 code points of up to two units each. */
const MAX_EMOJI_UNITS = 32;

/**
 * A reaction is one emoji: a single grapheme made of emoji code points (skin tones,
 * ZWJ sequences and flags included), at most 16 code points long. The length is
 * checked first: segmenting costs more than linear time in what is segmented.
 */
export function checkEmoji(value: string): string {
  if (value.length > MAX_EMOJI_UNITS + 8) throw new BadInputError('A reaction must be a single emoji.', 'emoji');
  const v = value.trim();
  if (v.length > MAX_EMOJI_UNITS) throw new BadInputError('A reaction must be a single emoji.', 'emoji');
  const graphemes = [...segmenter.segment(v)].length;
  if (graphemes !== 1 || [...v].length > 16 || !EMOJI_PART.test(v) || !EMOJI_BASE.test(v)) {
    throw new BadInputError('A reaction must be a single emoji.', 'emoji');
  }
  return v;
}
