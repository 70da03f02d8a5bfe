import { createHash } from 'node:crypto';
import { codeOf, signIn, signUp, type Account, type GqlReply, type Session } from '@frontrow/kit/testing';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { PersistedOperations } from '../src/safelist';
import { startGateway, type GatewayHandle } from '../src/server';
import { readGatewaySettings } from '../src/settings';
import { SUPERGRAPH, startStack, type Stack } from './stack';

/**
 * The operation safelist (decision 0028): with OPERATION_SAFELIST on, the gateway runs
 * only the operations the first-party clients send (gateway/persisted-operations.json,
 * written by `npm run codegen`), by text or by hash alone, over HTTP and graphql-ws;
 * anything else is refused with PERSISTED_QUERY_NOT_ALLOWED unless a developer's API key
 * sends it. Two gateways in front of one identity: the stack's own, safelist off (what
 * was always served), and one with it on.
 */
let stack: Stack;
let guarded: GatewayHandle;
const sockets: Client[] = [];

const persisted = PersistedOperations.fromFile();
const ME = persisted.byTextOf(
  'query Me {\n  me {\n    id\n    displayName\n    email\n    roles\n    __typename\n  }\n}',
)!;
/** No first-party client sends this one. */
const UNLISTED = 'query Mine { me { id email } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const CREATE_KEY = 'mutation($n: String!, $s: [String!]!) { createApiKey(input: { name: $n, scopes: $s }) { secret } }';

let fan: Account;
let developer: Session;
let developerKey: string;
let fanKey: string;

beforeAll(async () => {
  stack = await startStack();
  guarded = await startGateway({
    port: 0,
    supergraphSdl: SUPERGRAPH,
    principalSecret: stack.secret,
    kv: stack.kv,
    subgraphUrls: { identity: stack.identity.url },
    operationSafelist: true,
  });
  // Accounts and keys are made through the unguarded gateway, with the tests' own texts.
  fan = await signUp(stack.url, 'fan');
  fanKey = (await stack.gql(CREATE_KEY, { n: 'a fan\'s script', s: ['profile:read'] }, fan.accessToken)).data!.createApiKey.secret;
  const account = await signUp(stack.url, 'developer');
  const admin = await signIn(stack.url, stack.admin.email, stack.admin.password);
  const granted = await stack.gql('mutation($u: ID!) { grantRole(userId: $u, role: DEVELOPER) { roles } }', { u: account.user.id }, admin.accessToken);
  expect(granted.data?.grantRole.roles).toContain('DEVELOPER');
  // Signed in again: the token carries the new role.
  developer = await signIn(stack.url, account.user.email, account.password);
  developerKey = (await stack.gql(CREATE_KEY, { n: 'an integration', s: ['profile:read'] }, developer.accessToken)).data!.createApiKey.secret;
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await guarded?.stop();
  await stack?.close();
});

/** A POST as Apollo's clients send it: the text, or the hash alone (`query` left out), or both. */
async function post(url: string, body: { query?: string; hash?: string; operationName?: string }, headers: Record<string, string> = {}): Promise<GqlReply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      ...(body.query !== undefined ? { query: body.query } : {}),
      operationName: body.operationName,
      variables: {},
      ...(body.hash ? { extensions: { persistedQuery: { version: 1, sha256Hash: body.hash } } } : {}),
    }),
  });
  return { ...((await res.json()) as Omit<GqlReply, 'status'>), status: res.status };
}

const bearer = (s: Session) => ({ authorization: `Bearer ${s.accessToken}` });
const apiKey = (secret: string) => ({ 'x-api-key': secret });

describe('with the safelist on, over HTTP', () => {
  it('answers a fan a listed operation sent by its text, and by its hash alone with no registration first', async () => {
    const byText = await post(guarded.url, { query: ME.text, operationName: 'Me' }, bearer(fan));
    expect(byText.errors ?? []).toEqual([]);
    expect(byText.data?.me).toMatchObject({ id: fan.user.id, __typename: 'User' });
    // The hash of an operation this gateway never saw as text.
    const hashOnly = persisted.byTextOf(ME.text)!.hash;
    expect(hashOnly).toBe(sha256(ME.text));
    const byHash = await post(guarded.url, { hash: hashOnly }, bearer(fan));
    expect(byHash.errors ?? []).toEqual([]);
    expect(byHash.data?.me).toMatchObject({ id: fan.user.id });
  });

  it('refuses a fan an unlisted operation, by text or by hash, before it is parsed', async () => {
    for (const body of [{ query: UNLISTED }, { hash: sha256(UNLISTED) }, { query: UNLISTED, hash: sha256(UNLISTED) }, { query: UNLISTED, hash: ME.hash }, { query: '{ this is not GraphQL' }]) {
      const r = await post(guarded.url, body, bearer(fan));
      expect(r.status).toBe(403);
      expect(r.data ?? null).toBeNull();
      expect(codeOf(r)).toBe('PERSISTED_QUERY_NOT_ALLOWED');
      expect(r.errors?.[0].message).toMatch(/only the operations of FrontRow's own apps.*developer account/);
    }
    // A listed operation's text, changed by a single character, is another operation.
    expect(codeOf(await post(guarded.url, { query: `${ME.text} ` }, bearer(fan)))).toBe('PERSISTED_QUERY_NOT_ALLOWED');
  });

  it('holds GET requests to the same list', async () => {
    const get = async (params: Record<string, string>) => {
      const res = await fetch(`${guarded.url}?${new URLSearchParams(params)}`, { headers: { ...bearer(fan), 'apollo-require-preflight': 'true' } });
      return { ...((await res.json()) as Omit<GqlReply, 'status'>), status: res.status };
    };
    const listed = await get({ extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: ME.hash } }) });
    expect(listed.data?.me).toMatchObject({ id: fan.user.id });
    const refused = await get({ query: UNLISTED });
    expect(refused.status).toBe(403);
    expect(codeOf(refused)).toBe('PERSISTED_QUERY_NOT_ALLOWED');
  });

  it('holds an anonymous caller to the same list', async () => {
    const listed = await post(guarded.url, { hash: ME.hash });
    expect(listed.errors ?? []).toEqual([]);
    expect(listed.data).toEqual({ me: null });
    const r = await post(guarded.url, { query: UNLISTED });
    expect(r.status).toBe(403);
    expect(codeOf(r)).toBe('PERSISTED_QUERY_NOT_ALLOWED');
  });

  it('lets a developer\'s API key send any operation, and no one else\'s key or token', async () => {
    const mine = await post(guarded.url, { query: UNLISTED }, apiKey(developerKey));
    expect(mine.errors ?? []).toEqual([]);
    expect(mine.data?.me).toEqual({ id: developer.user.id, email: developer.user.email });
    // The developer signed in as a person sends what the apps send.
    expect(codeOf(await post(guarded.url, { query: UNLISTED }, bearer(developer)))).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    // A key whose owner is no developer.
    expect(codeOf(await post(guarded.url, { query: UNLISTED }, apiKey(fanKey)))).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    // A bad key is refused as it always was.
    expect(codeOf(await post(guarded.url, { query: UNLISTED }, apiKey('fr_made_up')))).toBe('UNAUTHENTICATED');
  });

  it('keeps automatic persisted queries for a developer\'s own operations, and never lets a fan use them', async () => {
    const text = `query Registered { me { id displayName } } # ${Date.now()}`;
    const hash = sha256(text);
    expect(codeOf(await post(guarded.url, { hash }, apiKey(developerKey)))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post(guarded.url, { query: text, hash }, apiKey(developerKey))).data?.me).toMatchObject({ id: developer.user.id });
    expect((await post(guarded.url, { hash }, apiKey(developerKey))).data?.me).toMatchObject({ id: developer.user.id });
    // Registered is not listed.
    expect(codeOf(await post(guarded.url, { hash }, bearer(fan)))).toBe('PERSISTED_QUERY_NOT_ALLOWED');
  });
});

/** A graphql-ws client of the guarded gateway with these connection params. */
function socket(params: Record<string, string> = {}): Client {
  const client = createClient({ url: guarded.wsUrl, webSocketImpl: WebSocket, connectionParams: params, retryAttempts: 0, lazy: true });
  sockets.push(client);
  return client;
}

interface WsReply {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

function once(client: Client, payload: { query: string; extensions?: Record<string, unknown> }): Promise<WsReply> {
  return new Promise((resolve) => {
    client.subscribe(payload, {
      next: (r) => resolve(r as WsReply),
      error: (e) => resolve({ errors: Array.isArray(e) ? (e as WsReply['errors']) : [{ message: String(e) }] }),
      complete: () => undefined,
    });
  });
}

const byHash = (hash: string) => ({ query: '', extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

describe('with the safelist on, over graphql-ws', () => {
  it('answers a listed operation by text and by hash, and refuses an unlisted one to a fan and to an anonymous caller', async () => {
    const asFan = socket({ authorization: `Bearer ${fan.accessToken}` });
    expect((await once(asFan, { query: ME.text })).data?.me).toMatchObject({ id: fan.user.id });
    expect((await once(asFan, byHash(ME.hash))).data?.me).toMatchObject({ id: fan.user.id });
    for (const payload of [{ query: UNLISTED }, byHash(sha256(UNLISTED))]) {
      const refused = await once(asFan, payload);
      expect(refused.data ?? null).toBeNull();
      expect(refused.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    }
    const anonymous = socket();
    expect((await once(anonymous, byHash(ME.hash))).data).toEqual({ me: null });
    expect((await once(anonymous, { query: UNLISTED })).errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
  });

  it('lets a developer\'s API key send any operation', async () => {
    const dev = socket({ 'x-api-key': developerKey });
    expect((await once(dev, { query: UNLISTED })).data?.me).toEqual({ id: developer.user.id, email: developer.user.email });
    // Nothing is registered by hash over the socket.
    expect((await once(dev, byHash(sha256(UNLISTED)))).errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('with the safelist off (the default)', () => {
  it('answers any operation, as before, and a listed one by hash alone too', async () => {
    const r = await post(stack.url, { query: UNLISTED }, bearer(fan));
    expect(r.errors ?? []).toEqual([]);
    expect(r.data?.me).toEqual({ id: fan.user.id, email: fan.user.email });
    expect((await post(stack.url, { query: UNLISTED })).data).toEqual({ me: null });
    expect((await post(stack.url, { hash: ME.hash }, bearer(fan))).data?.me).toMatchObject({ id: fan.user.id });
    // An unknown hash is registered as Apollo's persisted queries always were.
    const text = `query Later { me { id } } # ${Date.now()}`;
    expect(codeOf(await post(stack.url, { hash: sha256(text) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post(stack.url, { query: text, hash: sha256(text) })).data).toEqual({ me: null });
    expect((await post(stack.url, { hash: sha256(text) })).data).toEqual({ me: null });
  });
});

describe('the settings', () => {
  it('leave the safelist off unless OPERATION_SAFELIST=true, and read the list PERSISTED_OPERATIONS_PATH names', () => {
    const plain = readGatewaySettings({});
    expect(plain.operationSafelist).toBe(false);
    expect(plain.persistedOperations?.size).toBe(persisted.size);
    expect(readGatewaySettings({ OPERATION_SAFELIST: 'true' }).operationSafelist).toBe(true);
    expect(() => readGatewaySettings({ OPERATION_SAFELIST: 'yes' })).toThrow(/OPERATION_SAFELIST/);
    // The pool to each subgraph is bounded by default, and the bound is a setting.
    expect(plain.subgraphConnections).toBe(128);
    expect(readGatewaySettings({ SUBGRAPH_CONNECTIONS: '16' }).subgraphConnections).toBe(16);
    expect(() => readGatewaySettings({ SUBGRAPH_CONNECTIONS: '0' })).toThrow(/SUBGRAPH_CONNECTIONS/);
    expect(() => readGatewaySettings({ PERSISTED_OPERATIONS_PATH: 'no-such-list.json' })).toThrow(/PERSISTED_OPERATIONS_PATH names no list of persisted operations/);
  });
});
