/**
 * Apollo's subgraph compatibility checks (apollographql/apollo-federation-subgraph-compatibility),
 * reproduced in the project: its `products` subgraph built with the kit (type-graphql,
 * buildFederatedSchema, startSubgraphServer), its `users` and `inventory` subgraphs beside
 * it, composed in-process and served through @apollo/gateway. The describe blocks are the
 * suite's fifteen features; their 25 tests are its 25 checks, in our words
 * (decision 0014). Requests straight to products carry the gateway's signature, as every
 * request to a FrontRow subgraph must; `_service { sdl }` goes unsigned, as composition
 * tools send it.
 */
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { PRINCIPAL_HEADER, apolloLogger, createLogger, signCaller, startSubgraphServer, type RequestBase, type ServiceHandle } from '@frontrow/kit';
import { gql, testSecret } from '@frontrow/kit/testing';
import {
  Kind,
  parse,
  print,
  stripIgnoredCharacters,
  type DirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type GraphQLSchema,
  type InterfaceTypeDefinitionNode,
  type InterfaceTypeExtensionNode,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
  type ValueNode,
} from 'graphql';
import { CUSTOM_DIRECTIVE_LINK, buildProductsSchema } from './products';
import { buildInventorySchema } from './inventory';
import { buildUsersSchema } from './users';

// ---------------------------------------------------------------------------
// The stack: three subgraphs on free ports, composed, behind @apollo/gateway.
// ---------------------------------------------------------------------------

const secret = testSecret();
const services: ServiceHandle[] = [];
let productsUrl: string;
let gatewayUrl: string;
let gatewayServer: ApolloServer | undefined;

/** The gateway's hop to a subgraph: signed, as FrontRow's gateway signs it. */
class SignedDataSource extends RemoteGraphQLDataSource {
  override async willSendRequest({ request }: GraphQLDataSourceProcessOptions): Promise<void> {
    request.http?.headers.set(PRINCIPAL_HEADER, await signCaller({ principal: null }, secret));
  }
}

async function serve(name: string, schema: GraphQLSchema, inlineTrace: boolean): Promise<ServiceHandle> {
  const handle = await startSubgraphServer<RequestBase>({
    name,
    port: 0,
    schema,
    logger: createLogger(name),
    principalSecret: secret,
    context: (base) => base,
    inlineTrace,
  });
  services.push(handle);
  return handle;
}

beforeAll(async () => {
  const [products, users, inventory] = await Promise.all([
    buildProductsSchema().then((s) => serve('products', s, true)),
    buildUsersSchema().then((s) => serve('users', s, false)),
    buildInventorySchema().then((s) => serve('inventory', s, false)),
  ]);
  productsUrl = products.url;
  // Composed from what each running subgraph serves, as a composition tool reads it.
  const subgraphs = await Promise.all(
    Object.entries({ products, users, inventory }).map(async ([name, handle]) => ({
      name,
      url: handle.url,
      typeDefs: parse(await sdlOf(handle.url)),
    })),
  );
  const composed = composeServices(subgraphs);
  if (composed.errors) throw new Error(`composition failed:\n${composed.errors.map((e) => e.message).join('\n')}`);
  const logger = apolloLogger(createLogger('compat-gateway'));
  gatewayServer = new ApolloServer({
    gateway: new ApolloGateway({
      supergraphSdl: composed.supergraphSdl,
      buildService: ({ url }) => new SignedDataSource({ url }),
      logger,
    }),
    logger,
  });
  ({ url: gatewayUrl } = await startStandaloneServer(gatewayServer, { listen: { port: 0, host: '127.0.0.1' } }));
});

afterAll(async () => {
  await gatewayServer?.stop();
  await Promise.all(services.map((s) => s.stop()));
});

// ---------------------------------------------------------------------------
// Clients.
// ---------------------------------------------------------------------------

interface Reply {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: any;
  errors?: unknown[];
  extensions?: Record<string, unknown>;
}

/**
 * The body of a reply through the shared test client (which fails with the status and the
 * body when the reply is not JSON); the checks compare whole bodies.
 */
async function post(url: string, body: { query: string; variables?: Record<string, unknown> }, headers: Record<string, string> = {}): Promise<Reply> {
  const { status: _status, ...reply } = await gql(url, body.query, body.variables, { headers: { accept: 'application/json', ...headers } });
  return reply;
}

/** A request straight to the products subgraph, signed as the gateway signs. */
async function products(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Reply> {
  return post(productsUrl, { query, variables }, { [PRINCIPAL_HEADER]: await signCaller({ principal: null }, secret), ...headers });
}

/** A request to the supergraph, through @apollo/gateway. */
function router(query: string, variables?: Record<string, unknown>): Promise<Reply> {
  return post(gatewayUrl, { query, variables });
}

/** What a subgraph answers to `_service { sdl }`, asked without a signature. */
async function sdlOf(url: string): Promise<string> {
  const reply = await post(url, { query: '{ _service { sdl } }' });
  const sdl = reply.data?._service?.sdl;
  if (typeof sdl !== 'string') throw new Error(`no SDL from ${url}: ${JSON.stringify(reply)}`);
  return sdl;
}

const productsSdl = async (): Promise<{ text: string; doc: DocumentNode }> => {
  const text = await sdlOf(productsUrl);
  return { text, doc: parse(text) };
};

// ---------------------------------------------------------------------------
// Reading the served SDL.
// ---------------------------------------------------------------------------

type Typed = ObjectTypeDefinitionNode | ObjectTypeExtensionNode | InterfaceTypeDefinitionNode | InterfaceTypeExtensionNode;
const TYPED_KINDS: readonly string[] = [Kind.OBJECT_TYPE_DEFINITION, Kind.OBJECT_TYPE_EXTENSION, Kind.INTERFACE_TYPE_DEFINITION, Kind.INTERFACE_TYPE_EXTENSION];

/** Every definition and extension of an object type or interface, in document order. */
function typeNodes(doc: DocumentNode, name: string): Typed[] {
  return doc.definitions.filter((d): d is Typed => TYPED_KINDS.includes(d.kind) && (d as Typed).name.value === name);
}

/** The directives applied to a type, printed (`@key(fields: "id")`), in order. */
function typeDirectives(doc: DocumentNode, name: string): string[] {
  const nodes = typeNodes(doc, name);
  if (!nodes.length) throw new Error(`type ${name} is not in the SDL`);
  return nodes.flatMap((n) => (n.directives ?? []).map((d) => print(d)));
}

function field(doc: DocumentNode, type: string, name: string): FieldDefinitionNode {
  const found = typeNodes(doc, type)
    .flatMap((n) => n.fields ?? [])
    .find((f) => f.name.value === name);
  if (!found) throw new Error(`${type}.${name} is not in the SDL`);
  return found;
}

/** `type: directives`, as a field reads: `String @inaccessible`. */
function fieldLine(doc: DocumentNode, type: string, name: string): string {
  const f = field(doc, type, name);
  return [print(f.type), ...(f.directives ?? []).map((d) => print(d))].join(' ');
}

function schemaDirectives(doc: DocumentNode): readonly DirectiveNode[] {
  return doc.definitions.flatMap((d) => (d.kind === Kind.SCHEMA_DEFINITION || d.kind === Kind.SCHEMA_EXTENSION ? (d.directives ?? []) : []));
}

function argument(directive: DirectiveNode, name: string): ValueNode | undefined {
  return directive.arguments?.find((a) => a.name.value === name)?.value;
}

function stringArgument(directive: DirectiveNode, name: string): string | undefined {
  const v = argument(directive, name);
  return v?.kind === Kind.STRING ? v.value : undefined;
}

function listArgument(directive: DirectiveNode, name: string): string[] {
  const v = argument(directive, name);
  if (!v) return [];
  if (v.kind !== Kind.LIST) throw new Error(`${name} is not a list: ${print(v)}`);
  return v.values.map((item) => (item.kind === Kind.STRING ? item.value : print(item)));
}

/**
 * The first directive on a type, an `@extends` before it aside, is a key with these
 * fields (and, if it says so, resolvable: true).
 */
function leadingKey(doc: DocumentNode, type: string): { fields?: string; resolvable?: string } {
  const directives = typeNodes(doc, type).flatMap((n) => n.directives ?? []);
  const key = directives.find((d, i) => !(i === 0 && d.name.value === 'extends'));
  if (key?.name.value !== 'key') return {};
  const resolvable = argument(key, 'resolvable');
  return { fields: stringArgument(key, 'fields'), ...(resolvable ? { resolvable: print(resolvable) } : {}) };
}

/** Which fields the suite's products schema declares, with their types and arguments. */
const PRODUCTS_SHAPE: Record<string, Record<string, string>> = {
  Product: {
    id: 'ID!',
    sku: 'String',
    package: 'String',
    variation: 'ProductVariation',
    dimensions: 'ProductDimension',
    createdBy: 'User',
    notes: 'String',
    research: '[ProductResearch!]!',
  },
  DeprecatedProduct: { sku: 'String!', package: 'String!', reason: 'String', createdBy: 'User' },
  ProductVariation: { id: 'ID!' },
  ProductResearch: { study: 'CaseStudy!', outcome: 'String' },
  CaseStudy: { caseNumber: 'ID!', description: 'String' },
  ProductDimension: { size: 'String', weight: 'Float', unit: 'String' },
  User: { averageProductsCreatedPerYear: 'Int', email: 'ID!', name: 'String', totalProductsCreated: 'Int', yearsOfEmployment: 'Int!' },
  Query: { product: '(id: ID!) Product', deprecatedProduct: '(sku: String!, package: String!) DeprecatedProduct' },
};

function shapeOf(doc: DocumentNode): Record<string, Record<string, string>> {
  const shape: Record<string, Record<string, string>> = {};
  for (const [type, fields] of Object.entries(PRODUCTS_SHAPE)) {
    shape[type] = {};
    for (const name of Object.keys(fields)) {
      const f = field(doc, type, name);
      const args = f.arguments?.length ? `(${f.arguments.map((a) => `${a.name.value}: ${print(a.type)}`).join(', ')}) ` : '';
      shape[type][name] = `${args}${print(f.type)}`;
    }
  }
  return shape;
}

const USER = 'support@apollographql.com';

// ---------------------------------------------------------------------------
// The checks.
// ---------------------------------------------------------------------------

describe('introspection', () => {
  test('_service.sdl is the products schema: every type, field, type of field and argument', async () => {
    const reply = await post(productsUrl, { query: '{ _service { sdl } }' });
    expect(reply.data._service.sdl).toContain('type Query');
    expect(shapeOf(parse(reply.data._service.sdl))).toEqual(PRODUCTS_SHAPE);
  });
});

describe('@key single', () => {
  test('User has a single-field key, email', async () => {
    const { doc } = await productsSdl();
    expect(leadingKey(doc, 'User')).toEqual({ fields: 'email' });
  });

  test('_entities finds a User by email', async () => {
    const reply = await products(`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { email name } } }`, {
      r: [{ __typename: 'User', email: USER }],
    });
    expect(reply).toEqual({ data: { _entities: [{ email: USER, name: 'Jane Smith' }] } });
  });
});

describe('@key multiple', () => {
  test('DeprecatedProduct has a key of two fields, sku and package', async () => {
    const { doc } = await productsSdl();
    expect(leadingKey(doc, 'DeprecatedProduct')).toEqual({ fields: 'sku package' });
  });

  test('_entities finds a DeprecatedProduct by sku and package', async () => {
    const reply = await products(`query($r: [_Any!]!) { _entities(representations: $r) { ... on DeprecatedProduct { sku package reason } } }`, {
      r: [{ __typename: 'DeprecatedProduct', sku: 'apollo-federation-v1', package: '@apollo/federation-v1' }],
    });
    expect(reply).toEqual({
      data: { _entities: [{ sku: 'apollo-federation-v1', package: '@apollo/federation-v1', reason: 'Migrate to Federation V2' }] },
    });
  });
});

describe('@key composite', () => {
  test('ProductResearch has a key through an object field, study { caseNumber }', async () => {
    const { doc } = await productsSdl();
    expect(leadingKey(doc, 'ProductResearch')).toEqual({ fields: 'study { caseNumber }' });
  });

  test('_entities finds a ProductResearch by its study case number', async () => {
    const reply = await products(`query($r: [_Any!]!) { _entities(representations: $r) { ... on ProductResearch { study { caseNumber description } } } }`, {
      r: [{ __typename: 'ProductResearch', study: { caseNumber: '1234' } }],
    });
    expect(reply).toEqual({ data: { _entities: [{ study: { caseNumber: '1234', description: 'Federation Study' } }] } });
  });
});

describe('repeatable @key', () => {
  test('Product has three keys: id, sku package, sku variation { id }', async () => {
    const { doc } = await productsSdl();
    expect(typeDirectives(doc, 'Product')).toEqual(
      expect.arrayContaining(['@key(fields: "id")', '@key(fields: "sku package")', '@key(fields: "sku variation { id }")']),
    );
  });

  test('_entities finds a Product by each of its keys', async () => {
    const reply = await products(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id sku } } }`, {
      r: [
        { __typename: 'Product', id: 'apollo-federation' },
        { __typename: 'Product', sku: 'federation', package: '@apollo/federation' },
        { __typename: 'Product', sku: 'studio', variation: { id: 'platform' } },
      ],
    });
    expect(reply).toEqual({
      data: {
        _entities: [
          { id: 'apollo-federation', sku: 'federation' },
          { id: 'apollo-federation', sku: 'federation' },
          { id: 'apollo-studio', sku: 'studio' },
        ],
      },
    });
  });
});

describe('@requires', () => {
  test('User.averageProductsCreatedPerYear requires totalProductsCreated and yearsOfEmployment', async () => {
    const { doc } = await productsSdl();
    expect(fieldLine(doc, 'User', 'averageProductsCreatedPerYear')).toBe('Int @requires(fields: "totalProductsCreated yearsOfEmployment")');
  });

  test('the gateway fetches the required fields from users and products computes the field from them', async () => {
    const reply = await router(`query($id: ID!) { product(id: $id) { createdBy { averageProductsCreatedPerYear email } } }`, { id: 'apollo-federation' });
    expect(reply).toEqual({ data: { product: { createdBy: { averageProductsCreatedPerYear: expect.any(Number), email: USER } } } });
  });
});

describe('@provides', () => {
  test('Product.createdBy provides User.totalProductsCreated', async () => {
    const { doc } = await productsSdl();
    expect(fieldLine(doc, 'Product', 'createdBy')).toBe('User @provides(fields: "totalProductsCreated")');
  });

  test('products answers the provided field itself', async () => {
    const reply = await products(`query($id: ID!) { product(id: $id) { createdBy { email totalProductsCreated } } }`, { id: 'apollo-federation' });
    expect(reply).toEqual({ data: { product: { createdBy: { email: USER, totalProductsCreated: 1337 } } } });
  });
});

describe('ftv1', () => {
  test('a request that asks for a federated trace gets it in extensions.ftv1', async () => {
    const reply = await products('query { __typename }', undefined, { 'apollo-federation-include-trace': 'ftv1' });
    expect(reply).toEqual({ data: { __typename: 'Query' }, extensions: { ftv1: expect.any(String) } });
    expect(Buffer.from(reply.extensions?.ftv1 as string, 'base64').length).toBeGreaterThan(0);
  });
});

/** What the suite accepts from the federation spec. */
const FEDERATION_NAMES = [
  '@authenticated', '@composeDirective', '@extends', '@external', '@inaccessible', '@interfaceObject', '@key', '@override',
  '@policy', '@provides', '@requires', '@requiresScopes', '@shareable', '@tag', 'FieldSet', 'Scope', 'Policy',
];

describe('@link', () => {
  test('the schema links one federation spec, v2.0 to v2.7, importing only federation names', async () => {
    const { text, doc } = await productsSdl();
    expect(text).toContain('@link');
    const federation = schemaDirectives(doc)
      .filter((d) => d.name.value === 'link')
      .map((d) => ({ url: stringArgument(d, 'url') ?? '', imports: listArgument(d, 'import') }))
      .filter((l) => l.url.startsWith('https://specs.apollo.dev/federation/'));
    expect(federation).toHaveLength(1);
    expect(federation[0].url).toMatch(/\/v2\.[0-7]$/);
    expect(federation[0].imports.filter((name) => !FEDERATION_NAMES.includes(name))).toEqual([]);
  });
});

describe('@shareable', () => {
  test('ProductDimension is shareable', async () => {
    const { doc } = await productsSdl();
    expect(typeDirectives(doc, 'ProductDimension')[0]).toBe('@shareable');
  });

  test('the gateway resolves a shareable ProductDimension', async () => {
    const reply = await router(`query($id: ID!) { product(id: $id) { dimensions { size weight } } }`, { id: 'apollo-federation' });
    expect(reply).toEqual({ data: { product: { dimensions: { size: 'small', weight: 1 } } } });
  });
});

describe('@tag', () => {
  test('Product.notes is tagged "internal", under the imported name', async () => {
    const { text, doc } = await productsSdl();
    expect(stripIgnoredCharacters(text)).not.toContain('@federation__tag');
    expect(fieldLine(doc, 'Product', 'notes')).toBe('String @tag(name: "internal")');
  });
});

describe('@override', () => {
  test('User.name is taken over from users', async () => {
    const { doc } = await productsSdl();
    expect(fieldLine(doc, 'User', 'name')).toBe('String @override(from: "users")');
  });

  test('the gateway asks products, not users, for a user\'s name', async () => {
    const reply = await router(`query($id: ID!) { product(id: $id) { createdBy { name } } }`, { id: 'apollo-federation' });
    expect(reply).toEqual({ data: { product: { createdBy: { name: 'Jane Smith' } } } });
  });
});

describe('@inaccessible', () => {
  test('ProductDimension.unit is inaccessible, under the imported name', async () => {
    const { text, doc } = await productsSdl();
    expect(stripIgnoredCharacters(text)).not.toContain('@federation__inaccessible');
    expect(fieldLine(doc, 'ProductDimension', 'unit')).toBe('String @inaccessible');
  });

  test('products itself still answers the inaccessible field', async () => {
    const reply = await products(`query($id: ID!) { product(id: $id) { dimensions { unit } } }`, { id: 'apollo-federation' });
    expect(reply).toEqual({ data: { product: { dimensions: { unit: 'kg' } } } });
  });
});

describe('@composeDirective', () => {
  test('@custom is linked, defined, composed and applied to Product', async () => {
    const { doc } = await productsSdl();
    const directives = schemaDirectives(doc);
    const customLinks = directives.filter((d) => d.name.value === 'link' && stringArgument(d, 'url')?.startsWith('https://myspecs.dev/myCustomDirective/'));
    expect(customLinks.map((d) => ({ url: stringArgument(d, 'url'), imports: listArgument(d, 'import') }))).toEqual([
      { url: CUSTOM_DIRECTIVE_LINK, imports: ['@custom'] },
    ]);
    expect(directives.filter((d) => d.name.value === 'composeDirective').map((d) => stringArgument(d, 'name'))).toEqual(['@custom']);
    const definition = doc.definitions.find((d) => d.kind === Kind.DIRECTIVE_DEFINITION && d.name.value === 'custom');
    expect(definition && print(definition)).toBe('directive @custom on OBJECT');
    expect(typeDirectives(doc, 'Product')).toContain('@custom');
  });
});

describe('@interfaceObject', () => {
  test('Inventory is an entity (key id) seen as an @interfaceObject', async () => {
    const { doc } = await productsSdl();
    expect(typeDirectives(doc, 'Inventory')).toEqual(expect.arrayContaining(['@interfaceObject', '@key(fields: "id")']));
  });

  test('the gateway adds products\' field to the inventory interface', async () => {
    const reply = await router(`query($id: ID!) { inventory(id: $id) { deprecatedProducts { sku reason } } }`, { id: 'apollo-oss' });
    expect(reply).toEqual({ data: { inventory: { deprecatedProducts: [{ sku: 'apollo-federation-v1', reason: 'Migrate to Federation V2' }] } } });
  });
});
