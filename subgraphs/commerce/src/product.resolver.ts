import { Access, BadInputError, NotFoundError, emitAudit, findById, requireRole, type AccessRule, type Principal } from '@frontrow/kit';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { CommerceContext } from './context';
import { EVENT_KINDS, Product, ProductKind } from './entities/product.entity';
import { EventRef, Money, money } from './types';
import { ProductInput } from './product.input';
import { checkAmount, checkCurrency, checkText } from './validate';

const ADMIN_WRITE: AccessRule = { scope: 'commerce:write', roles: ['ADMIN'] };

const MAX_INVENTORY = 1_000_000;

@Resolver(() => Product)
export class ProductResolver {
  @Access({ public: true })
  @Query(() => Product, { nullable: true })
  async product(@Arg('id', () => ID) id: string, @Ctx() ctx: CommerceContext): Promise<Product | null> {
    return ctx.loaders.product.load(id);
  }

  @Access({ public: true })
  @Query(() => [Product], { description: 'The catalog. Retired products only when asked for.' })
  async products(
    @Arg('eventId', () => ID, { nullable: true }) eventId: string | undefined,
    @Arg('kind', () => ProductKind, { nullable: true }) kind: ProductKind | undefined,
    @Arg('includeRetired', () => Boolean, { defaultValue: false }) includeRetired: boolean,
    @Ctx() ctx: CommerceContext,
  ): Promise<Product[]> {
    return ctx.em.find(
      Product,
      { ...(eventId ? { eventId } : {}), ...(kind ? { kind } : {}), ...(includeRetired ? {} : { active: true }) },
      { orderBy: { createdAt: 'asc', id: 'asc' }, limit: 500 },
    );
  }

  @Access(ADMIN_WRITE)
  @Mutation(() => Product, { description: 'Admin only.' })
  async createProduct(@Arg('input', () => ProductInput) input: ProductInput, @Ctx() ctx: CommerceContext): Promise<Product> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    const name = checkText(input.name, 'name', 120);
    const amount = checkAmount(input.amount);
    const currency = checkCurrency(input.currency);
    let eventId: string | null = null;
    if (EVENT_KINDS.includes(input.kind)) {
      if (!input.eventId?.trim()) throw new BadInputError(`A ${input.kind} needs an eventId.`, 'eventId');
      eventId = checkText(input.eventId, 'eventId', 100);
    } else if (input.eventId) {
      throw new BadInputError('A SEASON_PASS covers every event: give no eventId.', 'eventId');
    }
    const inventory = input.inventory ?? null;
    if (inventory !== null && (!Number.isInteger(inventory) || inventory < 1 || inventory > MAX_INVENTORY)) {
      throw new BadInputError(`inventory must be between 1 and ${MAX_INVENTORY}, or absent for unlimited.`, 'inventory');
    }
    const product = ctx.em.create(Product, {
      kind: input.kind,
      name,
      eventId,
      priceAmount: amount,
      priceCurrency: currency,
      inventory,
      remaining: inventory,
    });
    audit(ctx, admin, 'commerce.product.created', product.id, { kind: input.kind, name, eventId, amount, currency, inventory });
    await ctx.em.flush();
    return product;
  }

  @Access(ADMIN_WRITE)
  @Mutation(() => Product, { description: 'Admin only. Orders already placed keep the price they had.' })
  async repriceProduct(
    @Arg('id', () => ID) id: string,
    @Arg('amount', () => Int) amount: number,
    @Arg('currency', () => String) currency: string,
    @Ctx() ctx: CommerceContext,
  ): Promise<Product> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    checkAmount(amount);
    checkCurrency(currency);
    const product = await findProduct(ctx, id);
    const before = money(product.priceAmount, product.priceCurrency);
    product.priceAmount = amount;
    product.priceCurrency = currency;
    audit(ctx, admin, 'commerce.product.repriced', product.id, { before, after: money(amount, currency) });
    await ctx.em.flush();
    return product;
  }

  @Access(ADMIN_WRITE)
  @Mutation(() => Product, { description: 'Admin only. Stops selling the product; what was sold stays valid.' })
  async retireProduct(@Arg('id', () => ID) id: string, @Ctx() ctx: CommerceContext): Promise<Product> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    const product = await findProduct(ctx, id);
    if (product.active) {
      product.active = false;
      audit(ctx, admin, 'commerce.product.retired', product.id, { name: product.name });
      await ctx.em.flush();
    }
    return product;
  }

  @FieldResolver(() => Money)
  price(@Root() product: Product): Money {
    return money(product.priceAmount, product.priceCurrency);
  }

  @FieldResolver(() => EventRef, { nullable: true, description: 'The event it is for; null for a season pass.' })
  event(@Root() product: Product): EventRef | null {
    return product.eventId ? { id: product.eventId } : null;
  }
}

async function findProduct(ctx: CommerceContext, id: string): Promise<Product> {
  const product = await findById(ctx.em, Product, id);
  if (!product) throw new NotFoundError('Product');
  return product;
}

function audit(ctx: CommerceContext, admin: Principal, action: string, productId: string, details: Record<string, unknown>): void {
  emitAudit(ctx.em, 'commerce', { actorId: admin.userId, actorRoles: admin.roles, action, targetType: 'Product', targetId: productId, details });
}
