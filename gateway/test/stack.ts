import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start as startIdentity, type IdentityHandle, type IdentityOptions } from '@frontrow/identity/src/server';
import { gql, testEnv, testKv, testSecret, testTransport, uniqueName, type GqlAuth, type GqlReply, type Loose } from '@frontrow/kit/testing';
import { busTopology, type BusTransport, type KeyValueStore, type ServiceHandle } from '@frontrow/kit';
import { startGateway, type GatewayOptions } from '../src/server';

export const SUPERGRAPH = readFileSync(join(__dirname, '..', '..', 'supergraph.graphql'), 'utf8');

export interface Stack {
  secret: string;
  kv: KeyValueStore;
  transport: BusTransport;
  identity: IdentityHandle;
  gateway: ServiceHandle;
  admin: { email: string; password: string };
  /** The gateway's GraphQL endpoint. */
  url: string;
  /** A GraphQL request to the gateway, with a bearer token (a string) or headers. */
  gql<T = Loose>(query: string, variables?: Record<string, unknown>, auth?: GqlAuth): Promise<GqlReply<T>>;
  close(): Promise<void>;
}

/** Identity and the gateway on free ports, against the real servers when their URLs are set. */
export async function startStack(
  opts: { identity?: Partial<IdentityOptions>; gateway?: Partial<GatewayOptions> } = {},
): Promise<Stack> {
  const secret = testSecret();
  const kv = testKv();
  const transport = testTransport();
  const admin = { email: `${uniqueName('admin')}@example.com`, password: 'admin-password-1' };
  const databaseSchema = uniqueName('identity');
  // Identity's consumer queue in a namespace of its own, deleted at close: not production's name on a shared broker.
  const busNamespace = `${databaseSchema}_`;
  const identity = await startIdentity({
    port: 0,
    principalSecret: secret,
    databaseUrl: testEnv.databaseUrl,
    databaseSchema,
    dropSchemaOnStop: true,
    kv,
    transport,
    busNamespace,
    seedAdmin: admin,
    ...opts.identity,
  });
  const gateway = await startGateway({
    port: 0,
    supergraphSdl: SUPERGRAPH,
    principalSecret: secret,
    kv,
    ...opts.gateway,
    subgraphUrls: { identity: identity.url, ...opts.gateway?.subgraphUrls },
  });
  return {
    secret,
    kv,
    transport,
    identity,
    gateway,
    admin,
    url: gateway.url,
    gql: (query, variables, auth) => gql(gateway.url, query, variables, auth),
    async close() {
      await gateway.stop();
      await identity.stop();
      for (const { queue } of busTopology(busNamespace)) await transport.deleteQueue(queue).catch(() => undefined);
      await transport.close();
      await kv.close();
    },
  };
}
