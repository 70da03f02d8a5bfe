import { SCOPES, type AccessRule, type RoleName } from '@frontrow/kit';
import { gql, signIn, signUp, uniqueName, type Loose } from '@frontrow/kit/testing';
import type { GraphQLSchema } from 'graphql';
import { allOperations, ruleOf, supergraphApiSchema, type Operation } from './operations';
import type { Reply } from './party-harness';
import { startTestPlatform, type TestPlatform } from './test-platform';

/**
 * The authorization matrix: every query and mutation of the supergraph (generated from
 * the schema, so a new one cannot be forgotten), called through the gateway by each kind
 * of caller, against what the operation's declared rule (`@Access` next to its resolver,
 * tabulated in docs/scopes.md) says that caller gets. A difference in either direction
 * fails: a caller the rule refuses that gets through, and a caller the rule admits that
 * is refused. Subscriptions' refusals are in hardening.test.ts (a subscription the rule
 * admits opens and waits for events, so it has no answer to compare); their admitted
 * callers are exercised by the party and telemetry suites. Who owns an object (another
 * fan's order, another sponsor's report) is each subgraph's own check, tested there.
 */

type Outcome = 'admitted' | 'UNAUTHENTICATED' | 'FORBIDDEN';

interface Caller {
  name: string;
  headers: Record<string, string>;
  /** Who the caller acts as: null when anonymous; an API key acts with its owner's roles but ADMIN, and its scopes. */
  acts: { roles: RoleName[]; key?: { scopes: string[] } } | null;
}

/** What the rule gives this caller, read from the rule as docs/scopes.md states it. */
function expected(rule: AccessRule, caller: Caller): Outcome {
  if ('public' in rule) return 'admitted';
  const acts = caller.acts;
  if (!acts) return rule.anonymous ? 'admitted' : 'UNAUTHENTICATED';
  if (acts.key && (rule.usersOnly || !rule.scope || !acts.key.scopes.includes(rule.scope))) return 'FORBIDDEN';
  const roles = acts.key ? acts.roles.filter((r) => r !== 'ADMIN') : acts.roles;
  if (rule.roles?.length && !roles.some((r) => r === 'ADMIN' || rule.roles!.includes(r))) return 'FORBIDDEN';
  return 'admitted';
}

/** The access layer's refusals, by their codes and words; any other answer (data, NOT_FOUND, a resolver's own check) means the rule admitted the caller. */
function outcome(reply: Reply): Outcome | 'unexpected' {
  const first = reply.errors?.[0];
  const code = first?.extensions?.code;
  if (code === 'UNAUTHENTICATED' && /must be signed in/.test(first!.message)) return 'UNAUTHENTICATED';
  if (code === 'FORBIDDEN' && /needs the role|lacks the scope|cannot call this operation|needs a signed-in user/.test(first!.message)) return 'FORBIDDEN';
  // A failure past the rule names its reason (MEDIA_UNAVAILABLE without Janus here); one without is a crash.
  if ((code === 'INTERNAL_SERVER_ERROR' && !first!.extensions?.reason) || (!first && !reply.data)) return 'unexpected';
  return 'admitted';
}

let world: TestPlatform;
let url: string;
let schema: GraphQLSchema;
const callers: Caller[] = [];
const admin = { email: `${uniqueName('admin')}@example.com`, password: 'matrix-admin-password' };

async function must(query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<Loose> {
  const r = await gql(url, query, variables, { headers });
  if (!r.data || r.errors?.length) throw new Error(`setup failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}

/** A person with a role beyond FAN: signed up, granted by the admin, signed in again (roles travel in the token). */
async function person(role: RoleName | null, adminToken: string): Promise<{ token: string }> {
  const account = await signUp(url, role ? role.toLowerCase() : 'fan');
  if (!role) return { token: account.accessToken };
  await must(`mutation($u: ID!, $r: Role!) { grantRole(userId: $u, role: $r) { id } }`, { u: account.user.id, r: role }, { authorization: `Bearer ${adminToken}` });
  return { token: (await signIn(url, account.user.email, account.password)).accessToken };
}

async function key(token: string, scopes: string[]): Promise<string> {
  const data = await must(`mutation($i: ApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { name: 'matrix', scopes } }, { authorization: `Bearer ${token}` });
  return data.createApiKey.secret as string;
}

beforeAll(async () => {
  world = await startTestPlatform('matrix', { seedAdmin: admin });
  url = world.platform.gateway.url;
  schema = supergraphApiSchema();
  const adminToken = (await signIn(url, admin.email, admin.password)).accessToken;
  const fan = await person(null, adminToken);
  const sponsor = await person('SPONSOR', adminToken);
  const moderator = await person('MODERATOR', adminToken);
  const developer = await person('DEVELOPER', adminToken);
  const every = Object.keys(SCOPES);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  callers.push(
    { name: 'anonymous', headers: {}, acts: null },
    { name: 'a fan', headers: bearer(fan.token), acts: { roles: ['FAN'] } },
    { name: 'a sponsor', headers: bearer(sponsor.token), acts: { roles: ['FAN', 'SPONSOR'] } },
    { name: 'a moderator', headers: bearer(moderator.token), acts: { roles: ['FAN', 'MODERATOR'] } },
    { name: 'an admin', headers: bearer(adminToken), acts: { roles: ['FAN', 'ADMIN'] } },
    { name: "a developer's key with every scope", headers: { 'x-api-key': await key(developer.token, every) }, acts: { roles: ['FAN', 'DEVELOPER'], key: { scopes: every } } },
    { name: "a developer's key with profile:read only", headers: { 'x-api-key': await key(developer.token, ['profile:read']) }, acts: { roles: ['FAN', 'DEVELOPER'], key: { scopes: ['profile:read'] } } },
    { name: "a sponsor's key with every scope", headers: { 'x-api-key': await key(sponsor.token, every) }, acts: { roles: ['FAN', 'SPONSOR'], key: { scopes: every } } },
    { name: "a moderator's key with every scope", headers: { 'x-api-key': await key(moderator.token, every) }, acts: { roles: ['FAN', 'MODERATOR'], key: { scopes: every } } },
  );
});

afterAll(async () => {
  await world?.stop();
});

describe('the authorization matrix', () => {
  it('gives every caller of every query and mutation what its declared rule says, no more and no less', async () => {
    const operations: Operation[] = allOperations(schema).filter((op) => op.kind !== 'subscription');
    expect(operations.length).toBeGreaterThan(70);
    const differences: Array<{ operation: string; caller: string; expected: Outcome; got: string }> = [];
    let cells = 0;
    const admitted = new Map<string, number>();
    for (const op of operations) {
      const rule = ruleOf(op);
      for (const caller of callers) {
        const want = expected(rule, caller);
        const reply = (await gql(url, op.document, op.variables, { headers: caller.headers })) as Reply;
        const got = outcome(reply);
        cells++;
        if (want === 'admitted') admitted.set(op.name, (admitted.get(op.name) ?? 0) + 1);
        if (got !== want) differences.push({ operation: op.name, caller: caller.name, expected: want, got: got === 'unexpected' ? JSON.stringify(reply).slice(0, 200) : got });
      }
    }
    expect(differences).toEqual([]);
    expect(cells).toBe(operations.length * callers.length);
    // Every operation has someone it admits (an admin at least).
    expect(operations.filter((op) => !admitted.get(op.name)).map((op) => op.name)).toEqual([]);
  });
});
