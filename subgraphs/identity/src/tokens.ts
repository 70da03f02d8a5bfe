import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';
import { SigningKey } from './entities/signing-key.entity';

export const ACCESS_TOKEN_ISSUER = 'frontrow-identity';
export const ACCESS_TOKEN_AUDIENCE = 'frontrow';
const ALG = 'EdDSA';
/** How long a rotated key keeps verifying: longer than any access token lives. */
const RETIRE_AFTER_MS = 24 * 60 * 60 * 1000;
const ACTIVE_KEY_CACHE_MS = 60_000;

/**
 * Signs access tokens (EdDSA, Ed25519) with the newest key and publishes the public
 * keys as a JWKS. Keys live in identity's database, so every identity instance signs
 * with the same key and a restart invalidates nothing.
 */
export class TokenService {
  private active?: { kid: string; key: KeyLike | Uint8Array; loadedAt: number };

  constructor(
    private readonly em: EntityManager,
    readonly accessTtlSeconds: number,
  ) {}

  private async current(): Promise<{ kid: string; key: KeyLike | Uint8Array; loadedAt: number }> {
    // Re-read now and then, so that a rotation by another instance is followed.
    if (this.active && Date.now() - this.active.loadedAt < ACTIVE_KEY_CACHE_MS) return this.active;
    const em = this.em.fork();
    let row = await em.findOne(SigningKey, { rotatedAt: null }, { orderBy: { createdAt: 'desc' }, populate: ['privateJwk'] });
    if (!row) row = await this.createKey(em);
    this.active = { kid: row.kid, key: await importJWK(row.privateJwk, ALG), loadedAt: Date.now() };
    return this.active;
  }

  private async createKey(em: EntityManager): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
    const kid = randomUUID();
    const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
    const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: ALG };
    const row = em.create(SigningKey, { kid, alg: ALG, privateJwk, publicJwk, createdAt: new Date() });
    await em.persistAndFlush(row);
    return row;
  }

  /** Starts signing with a new key; the old one verifies for another day. */
  async rotate(): Promise<string> {
    const em = this.em.fork();
    const now = new Date();
    await em.nativeUpdate(SigningKey, { rotatedAt: null }, { rotatedAt: now, retireAt: new Date(now.getTime() + RETIRE_AFTER_MS) });
    const row = await this.createKey(em);
    this.active = undefined;
    return row.kid;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    await this.current();
    const rows = await this.em.fork().find(SigningKey, { $or: [{ retireAt: null }, { retireAt: { $gt: new Date() } }] });
    return { keys: rows.map((r) => r.publicJwk) };
  }

  /** An access token for the user; `ttlSeconds` defaults to the configured lifetime. */
  async issueAccessToken(user: { id: string; roles: string[] }, ttlSeconds = this.accessTtlSeconds): Promise<{ token: string; expiresAt: Date }> {
    const { kid, key } = await this.current();
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    const token = await new SignJWT({ roles: user.roles })
      .setProtectedHeader({ alg: ALG, kid, typ: 'at+jwt' })
      .setSubject(user.id)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(key);
    return { token, expiresAt };
  }
}
