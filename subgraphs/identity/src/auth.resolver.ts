import { Access, ConflictError, UnauthenticatedError, emit, hitRateLimit } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { addressNetwork } from './address';
import type { IdentityContext } from './context';
import { dummyPasswordHash, hashPassword, verifyPassword } from './crypto';
import { User } from './entities/user.entity';
import { closeSession, openSession, rotateSession } from './sessions';
import type { SignInAlert } from './throttle';
import { AuthPayload } from './types';
import { checkPassword, checkText, normalizeEmail } from './validate';
import { SignInInput, SignUpInput } from './auth.input';

const WRONG_CREDENTIALS = 'The email or password is incorrect.';
/** Longer than any address or password an account can have: refused before any work. */
const MAX_EMAIL = 254;
const MAX_PASSWORD = 1024;

@Resolver()
export class AuthResolver {
  @Access({ public: true })
  @Mutation(() => AuthPayload, { description: 'Creates a fan account and signs it in.' })
  async signUp(@Arg('input', () => SignUpInput) input: SignUpInput, @Ctx() ctx: IdentityContext): Promise<AuthPayload> {
    const email = normalizeEmail(input.email);
    checkPassword(input.password);
    const displayName = checkText(input.displayName, 'displayName', 50);
    await hitRateLimit(ctx.services.kv, `signup:ip:${addressNetwork(ctx.clientIp)}`, ctx.services.settings.signupsPerAddressPerHour, 60 * 60);
    const passwordHash = await hashPassword(input.password);
    const payload = await ctx.em.transactional(async (em) => {
      if (await em.count(User, { email })) {
        throw new ConflictError('An account with this email already exists; sign in instead.', { field: 'email' });
      }
      const user = em.create(User, { email, passwordHash, displayName });
      emit(em, 'identity.user.registered', { userId: user.id, displayName, registeredAt: user.createdAt.toISOString() });
      return openSession(em, ctx.services, user);
    });
    await ctx.services.throttle.remember(email, ctx.clientIp);
    ctx.sessionUserId = payload.user.id;
    return payload;
  }

  @Access({ public: true })
  @Mutation(() => AuthPayload, { description: 'Never tells whether the account exists; throttled per account and per address.' })
  async signIn(@Arg('input', () => SignInInput) input: SignInInput, @Ctx() ctx: IdentityContext): Promise<AuthPayload> {
    const email = input.email.trim().toLowerCase();
    if (email.length > MAX_EMAIL || input.password.length > MAX_PASSWORD) throw new UnauthenticatedError(WRONG_CREDENTIALS);
    const turn = await ctx.services.throttle.begin(email, ctx.clientIp);
    try {
      const user = await ctx.em.findOne(User, { email }, { populate: ['passwordHash'] });
      // Hash even when there is no such account, so the answer takes as long either way.
      const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyPasswordHash()));
      if (!user || !ok) {
        const alert = await turn.failed();
        if (alert && user) await recordThrottled(ctx, user, alert);
        throw new UnauthenticatedError(WRONG_CREDENTIALS);
      }
      await turn.succeeded();
      ctx.sessionUserId = user.id;
      return await openSession(ctx.em, ctx.services, user);
    } finally {
      await turn.end();
    }
  }

  @Access({ public: true })
  @Mutation(() => AuthPayload, { description: 'Rotates the refresh token; a reused token revokes its whole family.' })
  async refreshSession(@Arg('refreshToken', () => String) refreshToken: string, @Ctx() ctx: IdentityContext): Promise<AuthPayload> {
    const payload = await rotateSession(ctx.em, ctx.services, refreshToken);
    ctx.sessionUserId = payload.user.id;
    return payload;
  }

  @Access({ public: true })
  @Mutation(() => Boolean, { description: 'Ends the sign-in that the refresh token belongs to.' })
  async signOut(@Arg('refreshToken', () => String) refreshToken: string, @Ctx() ctx: IdentityContext): Promise<boolean> {
    await closeSession(ctx.em, refreshToken);
    return true;
  }
}

/** Tells administrators (through the audit log) that someone is guessing this account's password. */
async function recordThrottled(ctx: IdentityContext, user: User, alert: SignInAlert): Promise<void> {
  const em: EntityManager = ctx.em.fork();
  // The system acts here, not a person: no actor. The shape is the kit's AuditPayload.
  emit(em, 'identity.audit.recorded', {
    actorId: null,
    actorRoles: [],
    action: 'identity.signin.throttled',
    targetType: 'User',
    targetId: user.id,
    details: { reason: alert.reason, failures: alert.failures, ...(alert.reason === 'address' ? { address: ctx.clientIp } : {}) },
  });
  await em.flush();
}
