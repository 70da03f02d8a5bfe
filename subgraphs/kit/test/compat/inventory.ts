/**
 * The compatibility suite's `inventory` subgraph: it owns the Inventory interface
 * (an entity interface that products sees as an @interfaceObject), shares
 * ProductDimension and requires a product's dimensions for its delivery estimate.
 */
import { Access, buildFederatedSchema } from '@frontrow/kit';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { Arg, Directive, Field, FieldResolver, Float, ID, InterfaceType, ObjectType, Query, Resolver, Root } from 'type-graphql';

@Directive('@shareable')
@ObjectType('ProductDimension')
class InventoryProductDimension {
  @Field(() => String, { nullable: true })
  size?: string | null;

  @Field(() => Float, { nullable: true })
  weight?: number | null;
}

@ObjectType()
class DeliveryEstimates {
  @Field(() => String, { nullable: true })
  estimatedDelivery?: string | null;

  @Field(() => String, { nullable: true })
  fastestDelivery?: string | null;
}

@Directive('@extends')
@Directive('@key(fields: "id")')
@ObjectType('Product')
class InventoryProduct {
  @Directive('@external')
  @Field(() => ID)
  id!: string;

  @Directive('@external')
  @Field(() => InventoryProductDimension, { nullable: true })
  dimensions?: InventoryProductDimension | null;

  @Directive('@requires(fields: "dimensions { size weight }")')
  @Field(() => DeliveryEstimates, { nullable: true })
  delivery?: DeliveryEstimates | null;
}

@Directive('@key(fields: "id")')
@InterfaceType('Inventory', { resolveType: (value: { id?: string }) => (value.id === 'apollo-oss' ? 'OpenSourceInventory' : undefined) })
abstract class InventoryInterface {
  @Field(() => ID)
  id!: string;

  @Field(() => [InventoryProduct])
  products!: InventoryProduct[];
}

@Directive('@key(fields: "id")')
@ObjectType({ implements: InventoryInterface })
class OpenSourceInventory implements InventoryInterface {
  @Field(() => ID)
  id!: string;

  @Field(() => [InventoryProduct])
  products!: InventoryProduct[];
}

const INVENTORIES: OpenSourceInventory[] = [{ id: 'apollo-oss', products: [{ id: 'apollo-federation' }] }];

@Resolver()
class InventoryQueries {
  @Access({ public: true })
  @Query(() => InventoryInterface, { nullable: true })
  inventory(@Arg('id', () => ID) id: string): InventoryInterface | null {
    return INVENTORIES.find((i) => i.id === id) ?? null;
  }
}

@Resolver(() => InventoryProduct)
class InventoryProductFields {
  /** Checks that the gateway brought the @requires fields before it estimates. */
  @FieldResolver(() => DeliveryEstimates, { nullable: true })
  delivery(@Root() product: InventoryProduct, @Arg('zip', () => String, { nullable: true }) zip: string | null): DeliveryEstimates {
    if (product.id !== 'apollo-federation') throw new GraphQLError(`unexpected product ${product.id}`);
    if (product.dimensions?.size !== 'small' || product.dimensions.weight !== 1) throw new GraphQLError('the @requires fields did not arrive');
    if (zip !== '94111') throw new GraphQLError(`unexpected zip ${zip}`);
    return { estimatedDelivery: '5/1/2019', fastestDelivery: '5/1/2019' };
  }
}

export function buildInventorySchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [InventoryQueries, InventoryProductFields], orphanedTypes: [OpenSourceInventory] },
    {},
    { name: 'compat-inventory', federationImports: ['@extends'] },
  );
}
