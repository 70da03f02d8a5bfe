import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { graphql, parse, type GraphQLSchema } from 'graphql';
import { Arg, Ctx, Directive, Field, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { openDatabase, type Database } from '../src/db';
import { createLogger } from '../src/logger';
import { Access } from '../src/access';
import { buildFederatedSchema, schemaExtension } from '../src/schema';
import { testEnv, uniqueName } from '../src/testing';

// ---------------------------------------------------------------------------
// A small subgraph that uses every Federation 2 directive through @Directive.
// ---------------------------------------------------------------------------

@Directive('@shareable')
@ObjectType()
class Money {
  @Field(() => Int)
  amount!: number;

  @Field()
  currency!: string;
}

@Directive('@key(fields: "id")')
@Directive('@key(fields: "id sku")')
@ObjectType()
class Product {
  @Field(() => ID)
  id!: string;

  @Field()
  sku!: string;

  @Directive('@shareable')
  @Directive('@tag(name: "public")')
  @Field()
  name!: string;

  @Directive('@external')
  @Field(() => Int, { nullable: true })
  weight?: number;

  @Directive('@requires(fields: "weight")')
  @Field(() => Int, { nullable: true })
  shippingEstimate?: number;

  @Directive('@override(from: "other")')
  @Field(() => Int, { nullable: true })
  price?: number;

  @Directive('@inaccessible')
  @Field({ nullable: true })
  internalCode?: string;
}

@Directive('@key(fields: "id")')
@ObjectType()
class Account {
  @Field(() => ID)
  id!: string;

  @Directive('@external')
  @Field()
  name!: string;
}

@Directive('@key(fields: "id")')
@ObjectType()
class Review {
  @Field(() => ID)
  id!: string;

  @Field()
  body!: string;

  @Directive('@provides(fields: "name")')
  @Field(() => Account)
  author!: Account;
}

@Directive('@key(fields: "id")')
@Directive('@interfaceObject')
@ObjectType()
class Media {
  @Field(() => ID)
  id!: string;

  @Field(() => Int)
  rating!: number;
}

@Resolver()
class CatalogResolver {
  @Access({ public: true })
  @Query(() => Product, { nullable: true })
  product(@Arg('id', () => ID) id: string): Product {
    return { id, sku: 'SKU-1', name: 'Scarf', price: 25 };
  }

  @Access({ public: true })

  @Query(() => [Review])
  reviews(): Review[] {
    return [];
  }

  @Access({ public: true })

  @Query(() => [Media])
  topRated(): Media[] {
    return [];
  }

  @Access({ public: true })

  @Query(() => Money)
  seasonPassPrice(): Money {
    return { amount: 9900, currency: 'EUR' };
  }
}

/** The other subgraph it composes with: owns what this one extends, overrides or provides. */
const OTHER_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable"])

  type Product @key(fields: "id") {
    id: ID!
    name: String! @shareable
    weight: Int
    price: Int
  }

  type Account @key(fields: "id") {
    id: ID!
    name: String! @shareable
  }

  interface Media @key(fields: "id") {
    id: ID!
    title: String!
  }

  type Movie implements Media @key(fields: "id") {
    id: ID!
    title: String!
  }

  type Money @shareable {
    amount: Int!
    currency: String!
  }

  type Query {
    topProducts: [Product!]!
    movies: [Movie!]!
  }
`;

describe('buildFederatedSchema', () => {
  let sdl: string;

  beforeAll(async () => {
    const schema = await buildFederatedSchema({ resolvers: [CatalogResolver], orphanedTypes: [Product, Account, Review, Media, Money] });
    sdl = printSubgraphSchema(schema);
  });

  it('prints every Federation 2 directive it was given, under the federation @link', () => {
    expect(sdl).toMatch(/extend schema\s+@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+", import: \[[^\]]*"@interfaceObject"[^\]]*\]\)/);
    const product = typeBlock(sdl, 'Product');
    expect(product.head).toContain('@key(fields: "id")');
    expect(product.head).toContain('@key(fields: "id sku")');
    expect(fieldOf(product, 'name')).toContain('@shareable');
    expect(fieldOf(product, 'name')).toContain('@tag(name: "public")');
    expect(fieldOf(product, 'weight')).toContain('@external');
    expect(fieldOf(product, 'shippingEstimate')).toContain('@requires(fields: "weight")');
    expect(fieldOf(product, 'price')).toContain('@override(from: "other")');
    expect(fieldOf(product, 'internalCode')).toContain('@inaccessible');
    expect(fieldOf(typeBlock(sdl, 'Review'), 'author')).toContain('@provides(fields: "name")');
    expect(fieldOf(typeBlock(sdl, 'Account'), 'name')).toContain('@external');
    expect(typeBlock(sdl, 'Media').head).toContain('@interfaceObject');
    expect(typeBlock(sdl, 'Media').head).toContain('@key(fields: "id")');
    expect(typeBlock(sdl, 'Money').head).toContain('@shareable');
  });

  it('composes with another subgraph without errors, the directives taking effect in the supergraph', () => {
    const result = composeServices([
      { name: 'kit', url: 'http://kit.invalid/graphql', typeDefs: parse(sdl) },
      { name: 'other', url: 'http://other.invalid/graphql', typeDefs: parse(OTHER_SDL) },
    ]);
    expect(result.errors?.map((e) => e.message) ?? []).toEqual([]);
    const supergraph = result.supergraphSdl ?? '';
    const product = typeBlock(supergraph, 'Product');
    expect(product.head).toContain('@join__type(graph: KIT, key: "id")');
    expect(product.head).toContain('@join__type(graph: KIT, key: "id sku")');
    expect(product.head).toContain('@join__type(graph: OTHER, key: "id")');
    expect(fieldOf(product, 'price')).toContain('@join__field(graph: KIT, override: "other")');
    expect(fieldOf(product, 'shippingEstimate')).toContain('@join__field(graph: KIT, requires: "weight")');
    expect(fieldOf(product, 'weight')).toContain('@join__field(graph: KIT, external: true)');
    expect(fieldOf(product, 'internalCode')).toContain('@inaccessible');
    expect(fieldOf(product, 'name')).toContain('@tag(name: "public")');
    expect(fieldOf(typeBlock(supergraph, 'Review'), 'author')).toContain('@join__field(graph: KIT, provides: "name")');
    expect(typeBlock(supergraph, 'Media').head).toContain('@join__type(graph: KIT, key: "id", isInterfaceObject: true)');
  });
});

/** One field's line of a type block. */
function fieldOf(block: { fields: string }, field: string): string {
  const line = block.fields.split('\n').find((l) => l.startsWith(`${field}:`));
  if (!line) throw new Error(`field ${field} is not in:\n${block.fields}`);
  return line;
}

/** A type's first line (with its directives) and its fields, from printed SDL. */
function typeBlock(sdl: string, name: string): { head: string; fields: string } {
  const m = new RegExp(`\\n(type|interface) ${name}\\b([^{]*)\\{([^}]*)\\}`).exec(`\n${sdl}`);
  if (!m) throw new Error(`type ${name} is not in the SDL:\n${sdl}`);
  return { head: m[2].replace(/\s+/g, ' '), fields: m[3].replace(/\n\s*/g, '\n') };
}

describe('schemaExtension', () => {
  it('imports further federation directives, links other specs and composes their directives', () => {
    const extension = schemaExtension({
      federationImports: ['@extends', '@key'],
      links: [{ url: 'https://example.com/spec/v1.0', import: ['@mine'] }, { url: 'https://example.com/other/v0.1' }],
      composeDirectives: ['@mine'],
    });
    const [schemaExt] = parse(extension).definitions;
    expect(schemaExt.kind).toBe('SchemaExtension');
    expect(extension).toMatch(/^extend schema @link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+", import: \["@key", [^\]]*"@composeDirective", "@extends"\]\)/);
    expect(extension.match(/"@key"/g)).toHaveLength(1);
    expect(extension).toContain(' @link(url: "https://example.com/spec/v1.0", import: ["@mine"]) @link(url: "https://example.com/other/v0.1") @composeDirective(name: "@mine")');
  });

  it('refuses to compose a directive that no link imports', () => {
    expect(() => schemaExtension({ composeDirectives: ['@stray'] })).toThrow('@composeDirective(name: "@stray") needs a link that imports @stray');
  });
});

// ---------------------------------------------------------------------------
// Arguments print in the order they are written.
// ---------------------------------------------------------------------------

@Resolver()
class OrderingResolver {
  @Access({ public: true })
  @Query(() => String)
  ordered(
    @Arg('first', () => ID) first: string,
    @Ctx() _ctx: unknown,
    @Arg('second', () => Int) second: number,
    @Arg('third', () => String, { nullable: true }) third: string | null,
  ): string {
    return `${first}/${second}/${third ?? '-'}`;
  }

  @Access({ public: true })
  @Query(() => String)
  single(@Arg('only') only: string): string {
    return only;
  }
}

describe('argument order', () => {
  it('prints arguments as written and passes each to its parameter, however often schemas are built', async () => {
    for (let build = 0; build < 2; build++) {
      const schema = await buildFederatedSchema({ resolvers: [OrderingResolver] }, {}, { name: 'ordering' });
      expect(printSubgraphSchema(schema)).toContain('ordered(first: ID!, second: Int!, third: String): String!');
      const result = await graphql({ schema, source: '{ ordered(third: "c", second: 2, first: "a") single(only: "x") }', contextValue: { principal: null } });
      expect(result).toEqual({ data: { ordered: 'a/2/c', single: 'x' } });
    }
  });
});

// ---------------------------------------------------------------------------
// Entity references resolved in batches: _entities with 100 representations.
// ---------------------------------------------------------------------------

@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'widget' })
class Widget {
  @Field(() => ID)
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Field()
  @Property({ type: 'text' })
  name!: string;
}

class WidgetMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table widget (id text primary key, name text not null)`);
  }
}

interface WidgetContext {
  loaders: { widget: DataLoader<string, Widget | null> };
}

function widgetLoader(em: EntityManager): DataLoader<string, Widget | null> {
  return new DataLoader(async (ids) => {
    const found = await em.find(Widget, { id: { $in: [...ids] } });
    const byId = new Map(found.map((w) => [w.id, w]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

@Resolver(() => Widget)
class WidgetResolver {
  @Access({ public: true })
  @Query(() => Widget, { nullable: true })
  widget(@Arg('id', () => ID) id: string, @Ctx() ctx: WidgetContext): Promise<Widget | null> {
    return ctx.loaders.widget.load(id);
  }
}

describe('a reference resolver batched with a DataLoader', () => {
  const queries: string[] = [];
  let db: Database;
  let schema: GraphQLSchema;

  beforeAll(async () => {
    db = await openDatabase({
      service: 'kit',
      schema: uniqueName('kit'),
      url: testEnv.databaseUrl,
      entities: [Widget],
      migrations: [{ name: '0001_widget', class: WidgetMigration }],
      logger: createLogger('kit-schema-test'),
      onQuery: (sql) => queries.push(sql),
    });
    const em = db.orm.em.fork();
    for (let i = 0; i < 100; i++) em.create(Widget, { id: `w${i}`, name: `Widget ${i}` });
    await em.flush();
    schema = await buildFederatedSchema(
      { resolvers: [WidgetResolver] },
      {
        Widget: {
          __resolveReference: (ref: { id: string }, ctx: WidgetContext) => ctx.loaders.widget.load(ref.id),
        },
      },
    );
  });

  afterAll(async () => {
    await db?.close({ dropSchema: true });
  });

  it('resolves 100 representations with at most 2 SQL queries', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `w${99 - i}`);
    queries.length = 0;
    const result = await graphql({
      schema,
      source: `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Widget { id name } } }`,
      variableValues: { reps: ids.map((id) => ({ __typename: 'Widget', id })) },
      contextValue: { loaders: { widget: widgetLoader(db.orm.em.fork()) } } satisfies WidgetContext,
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual(ids.map((id) => ({ id, name: `Widget ${id.slice(1)}` })));
    expect(queries.length).toBeGreaterThanOrEqual(1);
    expect(queries.length).toBeLessThanOrEqual(2);
    for (const q of queries) expect(q).toMatch(/^\[query\] select .* from "[a-z0-9_]+"\."widget"/);
  });
});
