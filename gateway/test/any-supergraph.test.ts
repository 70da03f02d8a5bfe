import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { ServiceHandle } from '@frontrow/kit';
import { gql, testKv, testSecret } from '@frontrow/kit/testing';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { startGateway } from '../src/server';

/**
 * The gateway in front of a Federation 2 supergraph that is not FrontRow's: no
 * identity subgraph and no IDENTITY_URL. It starts (there is nothing to verify
 * credentials with, so every caller is anonymous) and refuses a credential rather
 * than passing it on unchecked.
 */
const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query { hello: String! }
`);

describe('a supergraph without identity', () => {
  let subgraph: ApolloServer;
  let gateway: ServiceHandle;
  const kv = testKv();

  beforeAll(async () => {
    subgraph = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs, resolvers: { Query: { hello: () => 'world' } } }) });
    const { url } = await startStandaloneServer(subgraph, { listen: { port: 0, host: '127.0.0.1' } });
    const composed = composeServices([{ name: 'greetings', url, typeDefs }]);
    if (!composed.supergraphSdl) throw new Error(composed.errors?.map((e) => e.message).join('\n'));
    gateway = await startGateway({ port: 0, supergraphSdl: composed.supergraphSdl, principalSecret: testSecret(), kv });
  });

  afterAll(async () => {
    await gateway?.stop();
    await subgraph?.stop();
    await kv.close();
  });

  it('starts and answers anonymous callers', async () => {
    expect((await gql(gateway.url, '{ hello }')).data).toEqual({ hello: 'world' });
  });

  it('refuses a bearer token or an API key it cannot verify, saying why', async () => {
    for (const auth of [{ token: 'a.b.c' }, { headers: { 'x-api-key': 'fr_key' } }]) {
      const r = await gql(gateway.url, '{ hello }', {}, auth);
      expect(r.data ?? null).toBeNull();
      expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(r.errors?.[0].message).toMatch(/no identity service/);
    }
  });

  it('answers parse and validation failures with Apollo’s codes', async () => {
    expect((await gql(gateway.url, '{ hello ')).errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect((await gql(gateway.url, '{ nope }')).errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

});
