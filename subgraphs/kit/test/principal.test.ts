import { SignJWT } from 'jose';
import { DomainError } from '../src/errors';
import {
  hasRole,
  requirePrincipal,
  requireRole,
  requireScope,
  requireUser,
  signCaller,
  verifyCaller,
  type Principal,
} from '../src/principal';
import { testSecret } from '../src/testing';

const fan: Principal = { kind: 'user', userId: 'u-fan', roles: ['FAN'], scopes: [], expiresAt: 1_900_000_000 };
const moderator: Principal = { kind: 'user', userId: 'u-mod', roles: ['FAN', 'MODERATOR'], scopes: [] };
const admin: Principal = { kind: 'user', userId: 'u-admin', roles: ['ADMIN'], scopes: [] };
const sponsorKey: Principal = { kind: 'apiKey', userId: 'u-sponsor', roles: ['SPONSOR'], scopes: ['ads:write'], apiKeyId: 'k1' };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
  return 'NO_ERROR';
}

/** A header shaped like the gateway's, signed as the test says. */
function gatewayJwt(claims: Record<string, unknown>) {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('frontrow-gateway').setAudience('frontrow-subgraphs');
}
const key = (s: string) => new TextEncoder().encode(s);

describe('the signed caller header', () => {
  const secret = testSecret();

  it('round-trips a user, an API key and an anonymous caller', async () => {
    expect(await verifyCaller(await signCaller({ principal: fan, clientIp: '203.0.113.7' }, secret), secret)).toEqual({
      principal: { ...fan, apiKeyId: undefined },
      clientIp: '203.0.113.7',
    });
    expect(await verifyCaller(await signCaller({ principal: sponsorKey }, secret), secret)).toEqual({
      principal: { ...sponsorKey, expiresAt: undefined },
      clientIp: undefined,
    });
    expect(await verifyCaller(await signCaller({ principal: null, clientIp: '198.51.100.1' }, secret), secret)).toEqual({
      principal: null,
      clientIp: '198.51.100.1',
    });
  });

  it('trusts nothing signed with another secret', async () => {
    const forged = await signCaller({ principal: admin }, testSecret());
    expect(await verifyCaller(forged, secret)).toBeNull();
  });

  it('trusts nothing whose payload was changed after signing', async () => {
    const [header, payload, signature] = (await signCaller({ principal: fan }, secret)).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    claims.p.roles = ['ADMIN'];
    const tampered = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    expect(await verifyCaller(tampered, secret)).toBeNull();
  });

  it('trusts nothing expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await gatewayJwt({ p: admin }).setIssuedAt(now - 120).setExpirationTime(now - 60).sign(key(secret));
    expect(await verifyCaller(expired, secret)).toBeNull();
    // The same claims, still valid: only the expiry made the difference.
    const fresh = await gatewayJwt({ p: admin }).setIssuedAt(now).setExpirationTime(now + 60).sign(key(secret));
    expect((await verifyCaller(fresh, secret))?.principal?.userId).toBe('u-admin');
  });

  it('trusts nothing for another audience or issuer, nor unsigned', async () => {
    const otherAudience = await new SignJWT({ p: admin }).setProtectedHeader({ alg: 'HS256' }).setIssuer('frontrow-gateway').setAudience('elsewhere').setExpirationTime('60s').sign(key(secret));
    const otherIssuer = await new SignJWT({ p: admin }).setProtectedHeader({ alg: 'HS256' }).setIssuer('someone').setAudience('frontrow-subgraphs').setExpirationTime('60s').sign(key(secret));
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ p: admin, iss: 'frontrow-gateway', aud: 'frontrow-subgraphs' })).toString('base64url')}.`;
    for (const header of [otherAudience, otherIssuer, unsigned]) expect(await verifyCaller(header, secret)).toBeNull();
  });

  it('turns garbage and absence into null', async () => {
    for (const header of [undefined, '', 'garbage', 'a.b.c', 'Bearer xyz', '{"p":null}']) {
      expect(await verifyCaller(header, secret)).toBeNull();
    }
  });

  it('keeps only known roles and rejects a principal without a user id', async () => {
    const odd = await gatewayJwt({ p: { kind: 'user', userId: 'u1', roles: ['FAN', 'GOD'], scopes: [1, 'x'] } }).setExpirationTime('60s').sign(key(secret));
    expect((await verifyCaller(odd, secret))?.principal).toMatchObject({ roles: ['FAN'], scopes: ['x'] });
    const noUser = await gatewayJwt({ p: { kind: 'user', roles: ['ADMIN'] } }).setExpirationTime('60s').sign(key(secret));
    expect(await verifyCaller(noUser, secret)).toBeNull();
  });
});

describe('authorization checks', () => {
  it('requirePrincipal and requireUser: anonymous is UNAUTHENTICATED, an API key is FORBIDDEN for user-only operations', () => {
    expect(codeOf(() => requirePrincipal(null))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => requireUser(undefined))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => requireUser(sponsorKey))).toBe('FORBIDDEN');
    expect(requireUser(fan)).toBe(fan);
  });

  it('requireRole: needs one of the roles; admins pass every role check', () => {
    expect(codeOf(() => requireRole(null, 'MODERATOR'))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => requireRole(fan, 'MODERATOR'))).toBe('FORBIDDEN');
    expect(codeOf(() => requireRole(fan, 'MODERATOR', 'SPONSOR'))).toBe('FORBIDDEN');
    expect(requireRole(moderator, 'MODERATOR')).toBe(moderator);
    expect(requireRole(moderator, 'SPONSOR', 'MODERATOR')).toBe(moderator);
    expect(requireRole(admin, 'MODERATOR')).toBe(admin);
    expect(codeOf(() => requireRole(moderator))).toBe('FORBIDDEN');
    expect(requireRole(admin)).toBe(admin);
    expect(hasRole(fan, 'FAN')).toBe(true);
    expect(hasRole(null, 'FAN')).toBe(false);
  });

  it('requireScope: an API key needs the scope; a user is not judged by scopes', () => {
    expect(codeOf(() => requireScope(null, 'ads:write'))).toBe('UNAUTHENTICATED');
    expect(requireScope(sponsorKey, 'ads:write')).toBe(sponsorKey);
    expect(codeOf(() => requireScope(sponsorKey, 'ads:delete'))).toBe('FORBIDDEN');
    expect(requireScope(fan, 'ads:write')).toBe(fan);
  });
});
