import { Access, NotFoundError, emitAudit, findById, hasRole, requirePrincipal, requireRole } from '@frontrow/kit';
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { IdentityContext } from './context';
import { Role, User } from './entities/user.entity';

@Resolver(() => User)
export class UserResolver {
  @Access({ anonymous: true, scope: 'profile:read' })
  @Query(() => User, { nullable: true, description: 'The signed-in user; null when anonymous.' })
  async me(@Ctx() ctx: IdentityContext): Promise<User | null> {
    if (!ctx.principal) return null;
    return ctx.loaders.user.load(ctx.principal.userId);
  }

  @Access({ scope: 'profile:read' })
  @Query(() => User, { nullable: true })
  async user(@Arg('id', () => ID) id: string, @Ctx() ctx: IdentityContext): Promise<User | null> {
    requirePrincipal(ctx.principal);
    return ctx.loaders.user.load(id);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Only the user and admins see it.' })
  email(@Root() user: User, @Ctx() ctx: IdentityContext): string | null {
    const p = ctx.principal;
    // A key reads its owner's email only with the scope for it.
    if (p?.kind === 'apiKey' && !p.scopes.includes('profile:read')) return null;
    if (ctx.sessionUserId === user.id || (p && (p.userId === user.id || hasRole(p, 'ADMIN')))) return user.email;
    return null;
  }

  @Access({ usersOnly: true, roles: ['ADMIN'] })
  @Mutation(() => User, { description: 'Admin only. Takes effect at the user\'s next sign-in or refresh.' })
  async grantRole(
    @Arg('userId', () => ID) userId: string,
    @Arg('role', () => Role) role: Role,
    @Ctx() ctx: IdentityContext,
  ): Promise<User> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    if (admin.kind !== 'user') requireRole(null);
    const user = await findById(ctx.em, User, userId);
    if (!user) throw new NotFoundError('User');
    if (!user.roles.includes(role)) {
      user.roles = [...user.roles, role];
      emitAudit(ctx.em, 'identity', {
        actorId: admin.userId,
        actorRoles: admin.roles,
        action: 'identity.role.granted',
        targetType: 'User',
        targetId: user.id,
        details: { role },
      });
      await ctx.em.flush();
    }
    return user;
  }
}

