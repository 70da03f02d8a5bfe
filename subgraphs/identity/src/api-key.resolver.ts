import { Access, BadInputError, NotFoundError, SCOPES, findById, hasRole, hitRateLimit, isScope, requireUser, API_KEY_CACHE_SECONDS, API_KEY_REVOKED_CHANNEL, revokedApiKeyMark } from '@frontrow/kit';
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { IdentityContext } from './context';
import { randomToken, sha256 } from './crypto';
import { ApiKey } from './entities/api-key.entity';
import { checkText, quoteInput } from './validate';
import { ApiKeyCreated } from './types';
import { ApiKeyInput } from './api-key.input';

export const API_KEY_PREFIX = 'fr_';

/** The one scope vocabulary (docs/scopes.md); a key is created with some of these and no others. */
const SCOPE_NAMES = Object.keys(SCOPES);

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Access({ usersOnly: true })
  @Mutation(() => ApiKeyCreated, { description: 'The secret is in this response only; FrontRow keeps a hash.' })
  async createApiKey(@Arg('input', () => ApiKeyInput) input: ApiKeyInput, @Ctx() ctx: IdentityContext): Promise<ApiKeyCreated> {
    const owner = requireUser(ctx.principal);
    const name = checkText(input.name, 'name', 80);
    if (input.scopes.length > SCOPE_NAMES.length) throw new BadInputError(`At most ${SCOPE_NAMES.length} scopes.`, 'scopes');
    const scopes = [...new Set(input.scopes.map((s) => s.trim()))];
    for (const s of scopes) {
      if (!isScope(s)) throw new BadInputError(`Unknown scope ${quoteInput(s)}; the scopes are: ${SCOPE_NAMES.join(', ')} (docs/scopes.md).`, 'scopes');
    }
    await hitRateLimit(ctx.services.kv, `apikey:create:${owner.userId}`, ctx.services.settings.apiKeysPerUserPerHour, 60 * 60);
    const secret = `${API_KEY_PREFIX}${randomToken(32)}`;
    const apiKey = ctx.em.create(ApiKey, { userId: owner.userId, name, scopes, secretHash: sha256(secret) });
    await ctx.em.flush();
    return { secret, apiKey };
  }

  @Access({ usersOnly: true })
  @Mutation(() => Boolean, { description: 'Stops the key at once. Its owner or an admin may revoke it.' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: IdentityContext): Promise<boolean> {
    const caller = requireUser(ctx.principal);
    const key = await findById(ctx.em, ApiKey, id);
    // Another user's key is "not found", so key ids reveal nothing.
    if (!key || (key.userId !== caller.userId && !hasRole(caller, 'ADMIN'))) throw new NotFoundError('API key');
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      await ctx.em.flush();
    }
    // Before answering: gateways that hold the key's principal see the mark on the
    // caller's next request (and every one after, until their copy has expired).
    await ctx.services.kv.set(revokedApiKeyMark(key.id), '1', API_KEY_CACHE_SECONDS * 2);
    // And at once: every gateway drops the key and closes the sockets it opened.
    await ctx.services.kv.publish(API_KEY_REVOKED_CHANNEL, key.id);
    return true;
  }

  @Access({ usersOnly: true })
  @Query(() => [ApiKey], { description: 'The signed-in user\'s API keys, without their secrets.' })
  async myApiKeys(@Ctx() ctx: IdentityContext): Promise<ApiKey[]> {
    const caller = requireUser(ctx.principal);
    return ctx.em.find(ApiKey, { userId: caller.userId }, { orderBy: { createdAt: 'desc' } });
  }
}
