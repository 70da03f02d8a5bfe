import { SignJWT, jwtVerify } from 'jose';
import { ForbiddenError, UnauthenticatedError } from './errors';

/** The gateway forwards the verified caller to subgraphs in this header, signed. */
export const PRINCIPAL_HEADER = 'x-frontrow-principal';

export const ROLES = ['FAN', 'SPONSOR', 'MODERATOR', 'ADMIN', 'DEVELOPER'] as const;
export type RoleName = (typeof ROLES)[number];

export interface Principal {
  /** 'user' for a signed-in person (JWT), 'apiKey' for a sponsor or developer key. */
  kind: 'user' | 'apiKey';
  userId: string;
  roles: RoleName[];
  /** Scopes of an API key; a user token carries none. */
  scopes: string[];
  apiKeyId?: string;
  /** The access token's expiry, epoch seconds (subscriptions end with it). */
  expiresAt?: number;
}

const ISSUER = 'frontrow-gateway';
const AUDIENCE = 'frontrow-subgraphs';
/** Short enough that a captured header is useless soon after. */
const HEADER_TTL_SECONDS = 60;

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/**
 * What the gateway tells a subgraph about a request: who is calling (null when
 * anonymous) and from which address. Only the gateway can sign it.
 */
export interface Caller {
  principal: Principal | null;
  clientIp?: string;
}

/** Signs the caller for one hop from the gateway to a subgraph. */
export async function signCaller(caller: Caller, secret: string): Promise<string> {
  return new SignJWT({ p: caller.principal, ip: caller.clientIp })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${HEADER_TTL_SECONDS}s`)
    .sign(key(secret));
}

/**
 * Verifies the header. Anything wrong (absent, forged, expired, malformed) yields
 * null: the request is then anonymous, never trusted.
 */
export async function verifyCaller(header: string | undefined, secret: string): Promise<Caller | null> {
  if (!header) return null;
  try {
    const { payload } = await jwtVerify(header, key(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    const ip = typeof payload.ip === 'string' ? payload.ip : undefined;
    const p = payload.p as Principal | null | undefined;
    if (!p) return { principal: null, clientIp: ip };
    if (typeof p.userId !== 'string' || !Array.isArray(p.roles)) return null;
    return {
      clientIp: ip,
      principal: {
        kind: p.kind === 'apiKey' ? 'apiKey' : 'user',
        userId: p.userId,
        roles: p.roles.filter((r): r is RoleName => (ROLES as readonly string[]).includes(r)),
        scopes: Array.isArray(p.scopes) ? p.scopes.filter((s) => typeof s === 'string') : [],
        apiKeyId: typeof p.apiKeyId === 'string' ? p.apiKeyId : undefined,
        expiresAt: typeof p.expiresAt === 'number' ? p.expiresAt : undefined,
      },
    };
  } catch {
    return null;
  }
}

export function requirePrincipal(principal: Principal | null | undefined): Principal {
  if (!principal) throw new UnauthenticatedError();
  return principal;
}

/** A signed-in user (not an API key) is required. */
export function requireUser(principal: Principal | null | undefined): Principal {
  const p = requirePrincipal(principal);
  if (p.kind !== 'user') throw new ForbiddenError('This operation needs a signed-in user, not an API key.');
  return p;
}

export function hasRole(principal: Principal | null | undefined, ...roles: RoleName[]): boolean {
  return Boolean(principal && principal.roles.some((r) => roles.includes(r)));
}

/** Admins pass every role check. */
export function requireRole(principal: Principal | null | undefined, ...roles: RoleName[]): Principal {
  const p = requirePrincipal(principal);
  if (!hasRole(p, 'ADMIN', ...roles)) {
    throw new ForbiddenError(`This operation needs the role ${roles.length ? roles.join(' or ') : 'ADMIN'}.`);
  }
  return p;
}

/** An API key must carry the scope; a user is judged by roles elsewhere. */
export function requireScope(principal: Principal | null | undefined, scope: string): Principal {
  const p = requirePrincipal(principal);
  if (p.kind === 'apiKey' && !p.scopes.includes(scope)) {
    throw new ForbiddenError(`This API key lacks the scope "${scope}".`);
  }
  return p;
}

/**
 * The gateway keeps a verified API key's principal this long instead of asking
 * identity on every request; identity marks a revoked key in the shared store for
 * longer than that, and the gateway checks the mark on every request, so a revocation
 * takes effect at once on every gateway instance.
 */
export const API_KEY_CACHE_SECONDS = 30;

/** The shared store's mark of a revoked key (kept for twice the cache time). */
export function revokedApiKeyMark(apiKeyId: string): string {
  return `api-key-revoked:${apiKeyId}`;
}

/**
 * The shared store's channel on which identity announces a revoked key (the message is
 * the key's id): every gateway instance drops the key from its cache and closes the
 * WebSockets it authenticated (decision 0027).
 */
export const API_KEY_REVOKED_CHANNEL = 'api-key-revoked';
