/**
 * The compatibility suite's `products` subgraph, written the way a FrontRow subgraph is:
 * type-graphql classes, `@Directive` for federation, the kit's buildFederatedSchema.
 * The data is the suite's fixed data; the subgraph exercises every Federation 2
 * directive the kit claims (decision 0014).
 */
import { Access, buildFederatedSchema } from '@frontrow/kit';
import { DirectiveLocation, GraphQLDirective, GraphQLError, type GraphQLSchema } from 'graphql';
import { Arg, Directive, Field, FieldResolver, Float, ID, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';

/** The suite's custom directive, kept in the supergraph through @composeDirective. */
export const CUSTOM_DIRECTIVE_LINK = 'https://myspecs.dev/myCustomDirective/v1.0';
const custom = new GraphQLDirective({ name: 'custom', locations: [DirectiveLocation.OBJECT] });

@ObjectType()
class ProductVariation {
  @Field(() => ID)
  id!: string;
}

@ObjectType()
class CaseStudy {
  @Field(() => ID)
  caseNumber!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;
}

@Directive('@key(fields: "study { caseNumber }")')
@ObjectType()
class ProductResearch {
  @Field(() => CaseStudy)
  study!: CaseStudy;

  @Field(() => String, { nullable: true })
  outcome?: string | null;
}

@Directive('@shareable')
@ObjectType()
class ProductDimension {
  @Field(() => String, { nullable: true })
  size?: string | null;

  @Field(() => Float, { nullable: true })
  weight?: number | null;

  @Directive('@inaccessible')
  @Field(() => String, { nullable: true })
  unit?: string | null;
}

/** Defined by the users subgraph; this one adds a computed field and takes over `name`. */
@Directive('@extends')
@Directive('@key(fields: "email")')
@ObjectType()
class User {
  @Directive('@requires(fields: "totalProductsCreated yearsOfEmployment")')
  @Field(() => Int, { nullable: true })
  averageProductsCreatedPerYear?: number | null;

  @Directive('@external')
  @Field(() => ID)
  email!: string;

  @Directive('@override(from: "users")')
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Directive('@external')
  @Field(() => Int, { nullable: true })
  totalProductsCreated?: number | null;

  @Directive('@external')
  @Field(() => Int)
  yearsOfEmployment!: number;
}

@Directive('@custom')
@Directive('@key(fields: "id")')
@Directive('@key(fields: "sku package")')
@Directive('@key(fields: "sku variation { id }")')
@ObjectType()
class Product {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  sku?: string | null;

  @Field(() => String, { nullable: true })
  package?: string | null;

  @Field(() => ProductVariation, { nullable: true })
  variation?: ProductVariation | null;

  @Field(() => ProductDimension, { nullable: true })
  dimensions?: ProductDimension | null;

  @Directive('@provides(fields: "totalProductsCreated")')
  @Field(() => User, { nullable: true })
  createdBy?: User | null;

  @Directive('@tag(name: "internal")')
  @Field(() => String, { nullable: true })
  notes?: string | null;

  @Field(() => [ProductResearch])
  research!: ProductResearch[];
}

@Directive('@key(fields: "sku package")')
@ObjectType()
class DeprecatedProduct {
  @Field(() => String)
  sku!: string;

  @Field(() => String)
  package!: string;

  @Field(() => String, { nullable: true })
  reason?: string | null;

  @Field(() => User, { nullable: true })
  createdBy?: User | null;
}

/** An interface that the inventory subgraph owns, seen here as one object type. */
@Directive('@interfaceObject')
@Directive('@key(fields: "id")')
@ObjectType()
class Inventory {
  @Field(() => ID)
  id!: string;

  @Field(() => [DeprecatedProduct])
  deprecatedProducts!: DeprecatedProduct[];
}

// ---------------------------------------------------------------------------
// The suite's fixed data.
// ---------------------------------------------------------------------------

const DEPRECATED: DeprecatedProduct = { sku: 'apollo-federation-v1', package: '@apollo/federation-v1', reason: 'Migrate to Federation V2' };

const PRODUCTS: Product[] = [
  { id: 'apollo-federation', sku: 'federation', package: '@apollo/federation', variation: { id: 'OSS' }, research: [] },
  { id: 'apollo-studio', sku: 'studio', package: '', variation: { id: 'platform' }, research: [] },
];

const RESEARCH: Record<string, ProductResearch> = {
  'apollo-federation': { study: { caseNumber: '1234', description: 'Federation Study' } },
  'apollo-studio': { study: { caseNumber: '1235', description: 'Studio Study' } },
};

/** Who created every product, as this subgraph knows them (it provides totalProductsCreated). */
const CREATOR = { email: 'support@apollographql.com', name: 'Jane Smith', totalProductsCreated: 1337 };

const INVENTORY: Inventory = { id: 'apollo-oss', deprecatedProducts: [DEPRECATED] };

const sameDeprecated = (ref: { sku?: unknown; package?: unknown }): DeprecatedProduct | null =>
  ref.sku === DEPRECATED.sku && ref.package === DEPRECATED.package ? DEPRECATED : null;

// ---------------------------------------------------------------------------
// Resolvers.
// ---------------------------------------------------------------------------

@Resolver()
class ProductQueries {
  @Access({ public: true })
  @Query(() => Product, { nullable: true })
  product(@Arg('id', () => ID) id: string): Product | null {
    return PRODUCTS.find((p) => p.id === id) ?? null;
  }

  @Access({ public: true })
  @Query(() => DeprecatedProduct, { nullable: true, deprecationReason: 'Use product query instead' })
  deprecatedProduct(@Arg('sku', () => String) sku: string, @Arg('package', () => String) pkg: string): DeprecatedProduct | null {
    return sameDeprecated({ sku, package: pkg });
  }
}

@Resolver(() => Product)
class ProductFields {
  @FieldResolver(() => ProductDimension, { nullable: true })
  dimensions(): ProductDimension {
    return { size: 'small', weight: 1, unit: 'kg' };
  }

  @FieldResolver(() => [ProductResearch])
  research(@Root() product: Product): ProductResearch[] {
    const found = RESEARCH[product.id];
    return found ? [found] : [];
  }

  @FieldResolver(() => User, { nullable: true })
  createdBy(): User {
    return { ...CREATOR } as User;
  }
}

@Resolver(() => DeprecatedProduct)
class DeprecatedProductFields {
  @FieldResolver(() => User, { nullable: true })
  createdBy(): User {
    return { ...CREATOR } as User;
  }
}

@Resolver(() => User)
class UserFields {
  /** Computed from the two fields the gateway fetches from the users subgraph first. */
  @FieldResolver(() => Int, { nullable: true })
  averageProductsCreatedPerYear(@Root() user: User): number {
    if (user.email !== CREATOR.email) throw new GraphQLError(`unexpected user ${user.email}`);
    if (typeof user.totalProductsCreated !== 'number' || typeof user.yearsOfEmployment !== 'number' || user.yearsOfEmployment === 0) {
      throw new GraphQLError('the @requires fields did not arrive');
    }
    return Math.round(user.totalProductsCreated / user.yearsOfEmployment);
  }
}

/** How each entity is found from a representation, for every key it declares. */
const referenceResolvers = {
  Product: {
    __resolveReference(ref: { id?: string; sku?: string; package?: string; variation?: { id?: string } }): Product | null {
      if (ref.id !== undefined) return PRODUCTS.find((p) => p.id === ref.id) ?? null;
      if (ref.package !== undefined) return PRODUCTS.find((p) => p.sku === ref.sku && p.package === ref.package) ?? null;
      return PRODUCTS.find((p) => p.sku === ref.sku && p.variation?.id === ref.variation?.id) ?? null;
    },
  },
  DeprecatedProduct: {
    __resolveReference: (ref: { sku?: string; package?: string }) => sameDeprecated(ref),
  },
  ProductResearch: {
    __resolveReference: (ref: { study?: { caseNumber?: string } }) =>
      Object.values(RESEARCH).find((r) => r.study.caseNumber === ref.study?.caseNumber) ?? null,
  },
  User: {
    /** Keeps what the representation brings (the @requires fields), the rest is this subgraph's. */
    __resolveReference(ref: { email?: string; totalProductsCreated?: number; yearsOfEmployment?: number }): User | null {
      if (!ref.email) return null;
      return { ...CREATOR, email: ref.email, ...pick(ref, 'totalProductsCreated'), ...pick(ref, 'yearsOfEmployment') } as User;
    },
  },
  Inventory: {
    __resolveReference: (ref: { id?: string }) => (ref.id === INVENTORY.id ? INVENTORY : null),
  },
};

function pick<T extends object, K extends keyof T>(from: T, key: K): Partial<Pick<T, K>> {
  return from[key] === undefined || from[key] === null ? {} : ({ [key]: from[key] } as Partial<Pick<T, K>>);
}

export function buildProductsSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [ProductQueries, ProductFields, DeprecatedProductFields, UserFields],
      // Reached only through _entities.
      orphanedTypes: [ProductResearch, Inventory],
      directives: [custom],
    },
    referenceResolvers,
    {
      name: 'compat-products',
      federationImports: ['@extends'],
      links: [{ url: CUSTOM_DIRECTIVE_LINK, import: ['@custom'] }],
      composeDirectives: ['@custom'],
    },
  );
}
