import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { CommerceContext } from './context';
import { OrderLine } from './entities/order-line.entity';
import { Product } from './entities/product.entity';
import { Money, money } from './types';

@Resolver(() => OrderLine)
export class OrderLineResolver {
  @FieldResolver(() => Product)
  async product(@Root() line: OrderLine, @Ctx() ctx: CommerceContext): Promise<Product> {
    return (await ctx.loaders.product.load(line.productId))!;
  }

  @FieldResolver(() => Money, { description: 'The price when the order was placed.' })
  unitPrice(@Root() line: OrderLine): Money {
    return money(line.unitAmount, line.currency);
  }
}
