import { ConflictError, RateLimitedError, UnauthenticatedError, emit, hitRateLimit, isOverLimit } from '@frontrow/kit';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { addressNetwork } from './address';
import type { IdentityContext } from './context';
import { dummyPasswordHash, hashPassword, sha256, verifyPassword } from './crypto';
import { User } from './entities/user.entity';
import { closeSession, openSession, rotateSession } from './sessions';
import { AuthPayload, SignInInput, SignUpInput } from './types';
import { checkPassword, checkText, normalizeEmail } from './validate';

const WRONG_CREDENTIALS = 'The email or password is incorrect.';
const ACCOUNT_WINDOW_SECONDS = 15 * 60;
const ADDRESS_WINDOW_SECONDS = 5 * 60;

@Resolver()
export class AuthResolver {
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
    ctx.services.relay.notify();
    ctx.sessionUserId = payload.user.id;
    return payload;
  }

  @Mutation(() => AuthPayload, { description: 'Never tells whether the account exists; throttled per account and per address.' })
  async signIn(@Arg('input', () => SignInInput) input: SignInInput, @Ctx() ctx: IdentityContext): Promise<AuthPayload> {
    const { kv, settings } = ctx.services;
    const email = input.email.trim().toLowerCase();
    const accountKey = `signin:fail:${sha256(email)}`;
    await hitRateLimit(kv, `signin:ip:${ctx.clientIp}`, settings.signInMaxAttemptsPerAddress, ADDRESS_WINDOW_SECONDS);
    if (await isOverLimit(kv, accountKey, settings.signInMaxFailuresPerAccount)) {
      const ttl = await kv.ttl(`rl:${accountKey}`);
      throw new RateLimitedError(ttl > 0 ? ttl : ACCOUNT_WINDOW_SECONDS);
    }
    const user = await ctx.em.findOne(User, { email }, { populate: ['passwordHash'] });
    // Hash even when there is no such account, so the answer takes as long either way.
    const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !ok) {
      await kv.incr(`rl:${accountKey}`, ACCOUNT_WINDOW_SECONDS);
      throw new UnauthenticatedError(WRONG_CREDENTIALS);
    }
    await kv.del(`rl:${accountKey}`);
    ctx.sessionUserId = user.id;
    return openSession(ctx.em, ctx.services, user);
  }

  @Mutation(() => AuthPayload, { description: 'Rotates the refresh token; a reused token revokes its whole family.' })
  async refreshSession(@Arg('refreshToken', () => String) refreshToken: string, @Ctx() ctx: IdentityContext): Promise<AuthPayload> {
    const payload = await rotateSession(ctx.em, ctx.services, refreshToken);
    ctx.sessionUserId = payload.user.id;
    return payload;
  }

  @Mutation(() => Boolean, { description: 'Ends the sign-in that the refresh token belongs to.' })
  async signOut(@Arg('refreshToken', () => String) refreshToken: string, @Ctx() ctx: IdentityContext): Promise<boolean> {
    await closeSession(ctx.em, refreshToken);
    return true;
  }
}
