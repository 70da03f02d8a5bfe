/**
 * The platform's one scope vocabulary: what an API key may be allowed to do on its
 * owner's behalf. A key is created with some of these and no others.
 */
export const SCOPES = [
  'profile:read',
  'events:read',
  'events:write',
  'media:read',
  'media:write',
  'commerce:read',
  'commerce:write',
  'parties:read',
  'parties:write',
  'moderation:read',
  'moderation:write',
  'creative:write',
  'reports:read',
  'telemetry:write',
  'users:write',
] as const;

export type Scope = (typeof SCOPES)[number];

const KNOWN: ReadonlySet<string> = new Set(SCOPES);

export function isScope(value: string): value is Scope {
  return KNOWN.has(value);
}
