import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start as startIdentity, type IdentityHandle, type IdentityOptions } from '@frontrow/identity/src/server';
import { testEnv, testKv, testSecret, testTransport, uniqueName } from '@frontrow/kit/testing';
import type { BusTransport, KeyValueStore, ServiceHandle } from '@frontrow/kit';
import { startGateway, type GatewayOptions } from '../src/server';

export const SUPERGRAPH = readFileSync(join(__dirname, '..', '..', 'supergraph.graphql'), 'utf8');

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown>; path?: string[] }>;
}

export interface Stack {
  secret: string;
  kv: KeyValueStore;
  transport: BusTransport;
  identity: IdentityHandle;
  gateway: ServiceHandle;
  admin: { email: string; password: string };
  /** A GraphQL request to the gateway. */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GqlResult<T>>;
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
  const identity = await startIdentity({
    port: 0,
    principalSecret: secret,
    databaseUrl: testEnv.databaseUrl,
    databaseSchema: uniqueName('identity'),
    dropSchemaOnStop: true,
    kv,
    transport,
    seedAdmin: admin,
    settings: { pairingIntervalSeconds: 1 },
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
    gql: (query, variables, headers) => post(gateway.url, query, variables, headers),
    async close() {
      await gateway.stop();
      await identity.stop();
      await transport.close();
      await kv.close();
    },
  };
}

export async function post<T>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GqlResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as GqlResult<T>;
  return { status: res.status, data: body.data ?? undefined, errors: body.errors };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export const SIGN_UP = `mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { accessToken refreshToken expiresAt user { id email displayName roles } }
}`;
export const SIGN_IN = `mutation SignIn($input: SignInInput!) {
  signIn(input: $input) { accessToken refreshToken expiresAt user { id email displayName roles } }
}`;

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string; displayName: string; roles: string[] };
}

export async function signUp(stack: Stack, name = 'fan'): Promise<Session & { password: string }> {
  const email = `${uniqueName(name)}@example.com`;
  const password = 'correct horse battery';
  const r = await stack.gql<{ signUp: Session }>(SIGN_UP, { input: { email, password, displayName: name } });
  if (!r.data?.signUp) throw new Error(`signUp failed: ${JSON.stringify(r.errors)}`);
  return { ...r.data.signUp, password };
}

export async function signIn(stack: Stack, email: string, password: string): Promise<Session> {
  const r = await stack.gql<{ signIn: Session }>(SIGN_IN, { input: { email, password } });
  if (!r.data?.signIn) throw new Error(`signIn failed: ${JSON.stringify(r.errors)}`);
  return r.data.signIn;
}

export function codeOf(r: GqlResult): unknown {
  return r.errors?.[0]?.extensions?.code;
}
