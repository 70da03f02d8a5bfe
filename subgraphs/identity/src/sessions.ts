import { randomUUID } from 'node:crypto';
import { UnauthenticatedError } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { IdentityServices } from './context';
import { randomToken, sha256 } from './crypto';
import { RefreshToken } from './entities/refresh-token.entity';
import { User } from './entities/user.entity';
import type { AuthPayload } from './types';

/** Opens a new session family for the user: an access token and a refresh token. */
export async function openSession(
  em: EntityManager,
  services: IdentityServices,
  user: User,
  deviceId?: string,
  familyId: string = randomUUID(),
): Promise<AuthPayload> {
  // A new user must exist before its token refers to it (the columns are plain ids).
  await em.flush();
  const refreshToken = randomToken();
  em.create(RefreshToken, {
    tokenHash: sha256(refreshToken),
    familyId,
    userId: user.id,
    deviceId,
    expiresAt: new Date(Date.now() + services.settings.refreshTtlDays * 86_400_000),
  });
  await em.flush();
  const access = await services.tokens.issueAccessToken(user);
  return { accessToken: access.token, refreshToken, expiresAt: access.expiresAt, user };
}

const INVALID = 'The refresh token is invalid or expired. Sign in again.';

/**
 * Rotates a refresh token. The claim is one conditional update, so two racing uses
 * of the same token cannot both succeed; the loser is treated as reuse, and reuse
 * revokes every token of the family.
 */
export async function rotateSession(em: EntityManager, services: IdentityServices, presented: string): Promise<AuthPayload> {
  const row = await em.findOne(RefreshToken, { tokenHash: sha256(presented) });
  if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now()) throw new UnauthenticatedError(INVALID);
  const claimed = await em.nativeUpdate(RefreshToken, { id: row.id, rotatedAt: null, revokedAt: null }, { rotatedAt: new Date() });
  if (claimed === 0) {
    await revokeFamily(em, row.familyId);
    throw new UnauthenticatedError('This refresh token was already used; every session of its sign-in has been revoked.');
  }
  const user = await em.findOne(User, { id: row.userId });
  if (!user) throw new UnauthenticatedError(INVALID);
  return openSession(em, services, user, row.deviceId, row.familyId);
}

export async function revokeFamily(em: EntityManager, familyId: string): Promise<number> {
  return em.nativeUpdate(RefreshToken, { familyId, revokedAt: null }, { revokedAt: new Date() });
}

/** Signing out ends the whole sign-in (its family); an unknown token changes nothing. */
export async function closeSession(em: EntityManager, presented: string): Promise<void> {
  const row = await em.findOne(RefreshToken, { tokenHash: sha256(presented) });
  if (row) await revokeFamily(em, row.familyId);
}
