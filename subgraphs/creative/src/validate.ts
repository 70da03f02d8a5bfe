import { BadInputError } from '@frontrow/kit';
import { AssetKind } from './entities/creative-asset.entity';
import { IMAGE_TYPES, VIDEO_TYPES } from './sniff';

export function checkText(value: string, field: string, max: number): string {
  const v = value.trim();
  if (!v) throw new BadInputError(`${field} must not be empty.`, field);
  if (v.length > max) throw new BadInputError(`${field} must have at most ${max} characters.`, field);
  return v;
}

const MiB = 1024 * 1024;
export const MAX_BYTES: Record<AssetKind, number> = { [AssetKind.IMAGE]: 10 * MiB, [AssetKind.VIDEO]: 200 * MiB };

/** The content type (lower case) when it is one the kind accepts. */
export function checkContentType(kind: AssetKind, contentType: string): string {
  const type = contentType.trim().toLowerCase();
  const allowed: readonly string[] = kind === AssetKind.IMAGE ? IMAGE_TYPES : VIDEO_TYPES;
  if (!allowed.includes(type)) throw new BadInputError(`contentType of an ${kind} must be one of ${allowed.join(', ')}.`, 'contentType');
  return type;
}

export function checkBytes(kind: AssetKind, bytes: number): number {
  const max = MAX_BYTES[kind];
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > max) {
    throw new BadInputError(`bytes of an ${kind} must be between 1 and ${max} (${max / MiB} MiB).`, 'bytes');
  }
  return bytes;
}

export function checkInt(value: number | null | undefined, field: string, min: number, max: number): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < min || value > max) throw new BadInputError(`${field} must be between ${min} and ${max}.`, field);
  return value;
}
