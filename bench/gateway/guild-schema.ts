/**
 * The shape of The Guild's federation gateways benchmark, written here from its
 * published description: four Federation 2 subgraphs (accounts, inventory, products,
 * reviews) over fixed in-memory data, with `User` and `Product` entities that several
 * subgraphs extend (a `@requires` in inventory, a `@provides` in reviews), and one
 * nested query across all four. The data and the query are FrontRow's own.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse, type GraphQLSchema } from 'graphql';

export const GUILD_SUBGRAPHS = ['accounts', 'inventory', 'products', 'reviews'] as const;
export type GuildSubgraph = (typeof GUILD_SUBGRAPHS)[number];

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])';

export const GUILD_SDL: Record<GuildSubgraph, string> = {
  accounts: `${LINK}
    type Query { me: User  user(id: ID!): User  users: [User] }
    type User @key(fields: "id") { id: ID!  name: String  username: String @shareable  birthday: Int }`,
  inventory: `${LINK}
    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      price: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
    }`,
  products: `${LINK}
    type Query { topProducts(first: Int = 5): [Product] }
    type Product @key(fields: "upc") { upc: String!  name: String  price: Int  weight: Int }`,
  reviews: `${LINK}
    type Review @key(fields: "id") { id: ID!  body: String  product: Product  author: User @provides(fields: "username") }
    type User @key(fields: "id") { id: ID!  username: String @external  reviews: [Review] }
    type Product @key(fields: "upc") { upc: String!  reviews: [Review] }`,
};

/** The nested query: users and top products, each down through reviews, products and authors. */
export const GUILD_QUERY = `
fragment Person on User { id username name }
fragment Opinion on Review { id body }
fragment Item on Product { upc name price weight inStock shippingEstimate }

query TestQuery {
  users {
    ...Person
    reviews {
      ...Opinion
      product {
        ...Item
        reviews { ...Opinion author { ...Person reviews { ...Opinion product { ...Item } } } }
      }
    }
  }
  topProducts {
    ...Item
    reviews { ...Opinion author { ...Person reviews { ...Opinion product { ...Item } } } }
  }
}`;

/** What one subgraph answers alone: the accounts subgraph's list of users. */
export const SINGLE_SUBGRAPH_QUERY = '{ users { id username name birthday } }';

interface User {
  id: string;
  name: string;
  username: string;
  birthday: number;
}
interface Product {
  upc: string;
  name: string;
  price: number;
  weight: number;
}
interface Review {
  id: string;
  body: string;
  upc: string;
  authorId: string;
}

const USERS: User[] = ['Ada Byron', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth'].map((name, i) => ({
  id: String(i + 1),
  name,
  username: name.split(' ')[1].toLowerCase(),
  birthday: 1_000_000_000 + i * 86_400,
}));

const PRODUCTS: Product[] = [
  ['Scarf', 1_299, 200],
  ['Cap', 2_499, 150],
  ['Jersey', 8_999, 400],
  ['Pennant', 999, 50],
  ['Foam finger', 1_499, 120],
  ['Season pass', 49_999, 10],
  ['Headset strap', 2_999, 90],
  ['Stadium seat', 15_999, 3_000],
  ['Mug', 1_199, 350],
].map(([name, price, weight], i) => ({ upc: String(i + 1), name: String(name), price: Number(price), weight: Number(weight) }));

// Bodies of a few hundred characters, like a short written review.
const SENTENCES = [
  'Arrived in time for the derby and survived two rainy halves without fading. ',
  'The stitching is tidy, the colours match the home kit, and it packs small for the trip. ',
  'Not the cheapest in the shop, but after a season of use it still looks new. ',
  'Our whole row bought one after seeing it on the big screen at half time. ',
];
const REVIEWS: Review[] = [
  [1, 1], [1, 2], [1, 3], [1, 4], [2, 5], [2, 6], [2, 1], [2, 2], [3, 3], [4, 4], [4, 5],
].map(([upc, author], i) => ({
  id: String(i + 1),
  body: Array.from({ length: 2 + (i % 9) }, (_, k) => SENTENCES[(i + k) % SENTENCES.length]).join('').trim(),
  upc: String(upc),
  authorId: String(author),
}));

const byId = <T extends { id: string }>(list: T[], id: string): T | undefined => list.find((x) => x.id === id);
const productOf = (upc: string): Product | undefined => PRODUCTS.find((p) => p.upc === upc);

const RESOLVERS: Record<GuildSubgraph, GraphQLResolverMap<unknown>> = {
  accounts: {
    Query: {
      me: () => USERS[0],
      user: (_: unknown, { id }: { id: string }) => byId(USERS, id),
      users: () => USERS,
    },
    User: { __resolveReference: (ref: { id: string }) => byId(USERS, ref.id) },
  },
  inventory: {
    Product: {
      __resolveReference: (ref: { upc: string; price?: number; weight?: number }) => ({ ...ref, inStock: Number(ref.upc) % 3 !== 0 }),
      shippingEstimate: (p: { price?: number; weight?: number }) => (p.price === undefined || p.weight === undefined ? null : p.price > 10_000 ? 0 : Math.ceil(p.weight / 2)),
    },
  },
  products: {
    Query: { topProducts: (_: unknown, { first }: { first: number }) => PRODUCTS.slice(0, first) },
    Product: { __resolveReference: (ref: { upc: string }) => productOf(ref.upc) },
  },
  reviews: {
    Review: {
      __resolveReference: (ref: { id: string }) => byId(REVIEWS, ref.id),
      product: (r: Review) => ({ upc: r.upc }),
      author: (r: Review) => {
        const user = byId(USERS, r.authorId);
        return user && { id: user.id, username: user.username };
      },
    },
    User: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      reviews: (u: { id: string }) => REVIEWS.filter((r) => r.authorId === u.id),
    },
    Product: {
      __resolveReference: (ref: { upc: string }) => ({ upc: ref.upc }),
      reviews: (p: { upc: string }) => REVIEWS.filter((r) => r.upc === p.upc),
    },
  },
};

export function guildSchema(name: GuildSubgraph): GraphQLSchema {
  return buildSubgraphSchema({ typeDefs: parse(GUILD_SDL[name]), resolvers: RESOLVERS[name] });
}
