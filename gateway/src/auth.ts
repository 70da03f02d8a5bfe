import { createHash } from 'node:crypto';
import { API_KEY_CACHE_SECONDS, PRINCIPAL_HEADER, ROLES, revokedApiKeyMark, signCaller, type KeyValueStore, type Principal, type RoleName } from '@frontrow/kit';
import { GraphQLError } from 'graphql';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';

export const ACCESS_TOKEN_ISSUER = 'frontrow-identity';
export const ACCESS_TOKEN_AUDIENCE = 'frontrow';

const NO_IDENTITY = 'This gateway has no identity service to verify credentials (IDENTITY_URL); send the request without them.';

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** Verified keys held at once; past that the oldest goes first. */
const MAX_CACHED_KEYS = 10_000;

interface CachedKey {
  principal: Principal;
  expiresAt: number;
}

/**
 * Turns what a client presents into a principal: a bearer JWT checked against
 * identity's JWKS (cached; an unknown key id makes it fetch the set again, so
 * rotated keys are picked up), or an API key checked by identity and then held for
 * API_KEY_CACHE_SECONDS, keyed by the secret's hash. Each request with a held key
 * reads identity's revocation mark from the shared store (one key lookup instead of a
 * round trip to identity and its database), so a revoked key stops working at once,
 * on every gateway instance. Identity also announces each revocation on the shared
 * store's API_KEY_REVOKED_CHANNEL: the gateway then drops the key here and closes the
 * WebSockets it authenticated (revocations.ts). A role granted to the key's owner reaches a held key
 * within the cache time (roles only add rights a key may use; keys never carry ADMIN).
 */
export class Authenticator {
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet>;
  private readonly keys = new Map<string, CachedKey>();

  /** Without identity's address every credential is refused (a supergraph with no identity). */
  constructor(
    private readonly identityBaseUrl: string | undefined,
    private readonly principalSecret: string,
    private readonly kv?: KeyValueStore,
    private readonly keyCacheMs = API_KEY_CACHE_SECONDS * 1000,
  ) {
    this.jwks = identityBaseUrl
      ? createRemoteJWKSet(new URL('/.well-known/jwks.json', identityBaseUrl), {
          // After a key rotation the first token with the new key id triggers a fetch;
          // at most one fetch a second whatever clients send.
          cooldownDuration: 1_000,
          cacheMaxAge: 10 * 60_000,
        })
      : undefined;
  }

  async fromHeaders(authorization: string | undefined, apiKey: string | undefined): Promise<Principal | null> {
    if (authorization) {
      const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
      if (!m) throw unauthenticated('The Authorization header must be "Bearer <access token>".');
      return this.verifyAccessToken(m[1]);
    }
    if (apiKey) return this.verifyApiKey(apiKey.trim());
    return null;
  }

  async verifyAccessToken(token: string): Promise<Principal> {
    if (!this.jwks) throw unauthenticated(NO_IDENTITY);
    try {
      const { payload } = await jwtVerify(token, this.jwks, {
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        algorithms: ['EdDSA', 'ES256'],
      });
      if (typeof payload.sub !== 'string') throw unauthenticated('The access token has no subject.');
      const roles = Array.isArray(payload.roles)
        ? payload.roles.filter((r): r is RoleName => (ROLES as readonly string[]).includes(r as string))
        : [];
      return { kind: 'user', userId: payload.sub, roles, scopes: [], expiresAt: payload.exp };
    } catch (e) {
      if (e instanceof GraphQLError) throw e;
      if (e instanceof joseErrors.JWTExpired) throw unauthenticated('The access token has expired; refresh the session.');
      throw unauthenticated('The access token is invalid.');
    }
  }

  async verifyApiKey(secret: string): Promise<Principal> {
    if (!this.identityBaseUrl) throw unauthenticated(NO_IDENTITY);
    const hash = createHash('sha256').update(secret).digest('base64url');
    const held = this.kv ? this.keys.get(hash) : undefined;
    if (held && held.expiresAt > Date.now() && held.principal.apiKeyId) {
      if (!(await this.kv!.get(revokedApiKeyMark(held.principal.apiKeyId)))) return held.principal;
      this.keys.delete(hash);
      throw unauthenticated('The API key is invalid or revoked.');
    }
    if (held) this.keys.delete(hash);
    const principal = await this.askIdentity(secret);
    if (this.kv && this.keyCacheMs > 0) {
      if (this.keys.size >= MAX_CACHED_KEYS) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(hash, { principal, expiresAt: Date.now() + this.keyCacheMs });
    }
    return principal;
  }

  /** Drops a revoked key from this instance's cache (identity's announcement). */
  forgetApiKey(apiKeyId: string): void {
    for (const [hash, held] of this.keys) if (held.principal.apiKeyId === apiKeyId) this.keys.delete(hash);
  }

  /** Whether identity has marked the key revoked in the shared store. */
  async isRevoked(apiKeyId: string): Promise<boolean> {
    return Boolean(this.kv && (await this.kv.get(revokedApiKeyMark(apiKeyId))));
  }

  private async askIdentity(secret: string): Promise<Principal> {
    if (!this.identityBaseUrl) throw unauthenticated(NO_IDENTITY);
    const res = await fetch(new URL('/internal/api-keys/verify', this.identityBaseUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [PRINCIPAL_HEADER]: await signCaller({ principal: null }, this.principalSecret),
      },
      body: JSON.stringify({ secret }),
    });
    if (res.status === 401) throw unauthenticated('The API key is invalid or revoked.');
    if (!res.ok) throw new GraphQLError('Could not verify the API key.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    const body = (await res.json()) as Principal;
    return { kind: 'apiKey', userId: body.userId, apiKeyId: body.apiKeyId, roles: body.roles, scopes: body.scopes };
  }
}
