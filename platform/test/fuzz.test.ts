import { PRINCIPAL_HEADER, operationAccessRules, signCaller, type RoleName } from '@frontrow/kit';
import { dataOf, gql, signIn, signUp, uniqueName, type Loose } from '@frontrow/kit/testing';
import fc from 'fast-check';
import { getNamedType, isLeafType, isObjectType, type GraphQLObjectType } from 'graphql';
import { argumentsOf, fuzzCases, raw, requestBody, type FuzzCase } from './fuzz-arbitraries';
import { fault } from './oracle';
import { supergraphApiSchema } from './operations';
import { startTestPlatform, type TestPlatform } from './test-platform';

/**
 * The property-based fuzzer: fast-check draws queries and mutations of the supergraph
 * with arguments built from their input types (fuzz-arbitraries.ts) and sends each as an
 * admin or as a fan, through the gateway or straight at the subgraph that owns it
 * (signed as the gateway signs). A second property draws the arguments of the fields
 * below the root (`Event.qos(window)`, `Party.recentMessages(last)`, ...) on objects that
 * exist. Property: every answer is clean (oracle.ts: below 500, JSON, coded errors, no
 * stack trace, path or SQL), and every service is healthy afterwards. The seed and the
 * number of runs are fixed, so a run is repeatable; FUZZ_SEED and FUZZ_RUNS change them.
 * A failure's message is fast-check's report: the shrunk counterexample, the seed and
 * the path that replay it, and the fault found.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
/** Enough for each field below the root to be reached several times, whatever FUZZ_RUNS says. */
const NESTED_RUNS = Math.max(200, Math.ceil(RUNS / 5));

let world: TestPlatform;
/** Each caller's headers: at the gateway, and at a subgraph (signed as the gateway signs). */
const headers: Record<FuzzCase['target'], Record<FuzzCase['caller'], Record<string, string>>> = { gateway: { admin: {}, fan: {} }, subgraph: { admin: {}, fan: {} } };
const admin = { email: `${uniqueName('admin')}@example.com`, password: 'fuzz-admin-password' };

beforeAll(async () => {
  // Both callers send a thousand requests or more: the gateway's per-caller limit is raised.
  world = await startTestPlatform('fuzz', { seedAdmin: admin, gateway: { rateLimits: { perPrincipalPerMinute: 1_000_000 } } });
  const sessions = { admin: await signIn(world.platform.gateway.url, admin.email, admin.password), fan: await signUp(world.platform.gateway.url, 'Fuzzed Fan') };
  for (const caller of ['admin', 'fan'] as const) {
    const { accessToken, user } = sessions[caller];
    headers.gateway[caller] = { authorization: `Bearer ${accessToken}` };
    const principal = { kind: 'user' as const, userId: user.id, roles: user.roles as RoleName[], scopes: [] };
    headers.subgraph[caller] = { [PRINCIPAL_HEADER]: await signCaller({ principal, clientIp: '198.51.100.9' }, world.principalSecret) };
  }
  await seedObjects();
});

/**
 * One object of each type whose fields take arguments, made before the fuzzing (which
 * spends the fan's budgets): an event, a party whose message a second member reported,
 * and a sponsor.
 */
const seeded = { eventId: '', partyId: '', sponsorId: '', hostToken: '' };

async function seedObjects(): Promise<void> {
  const gw = world.platform.gateway.url;
  const ok = async (query: string, variables: Record<string, unknown>, token: string): Promise<Loose> => dataOf(await gql(gw, query, variables, token));
  const adminToken = headers.gateway.admin.authorization.replace(/^Bearer /, '');
  const venue = await ok(`mutation { createVenue(input: { name: "Fuzz Arena", city: "Lyon", country: "FR", timezone: "Europe/Paris" }) { id } }`, {}, adminToken);
  const event = await ok(
    `mutation($v: ID!) { createEvent(input: { title: "Fuzz", sport: "football", homeTeam: "A", awayTeam: "B", venueId: $v, startsAt: "2031-05-01T18:00:00Z", endsAt: "2031-05-01T20:00:00Z" }) { id } }`,
    { v: venue.createVenue.id },
    adminToken,
  );
  const [host, member] = [await signUp(gw, 'Fuzz Host'), await signUp(gw, 'Fuzz Member')];
  const party = await ok(`mutation($e: ID!) { createParty(eventId: $e) { id inviteCode } }`, { e: event.createEvent.id }, host.accessToken);
  const message = await ok(`mutation($p: ID!) { sendChatMessage(partyId: $p, body: "hello") { id } }`, { p: party.createParty.id }, host.accessToken);
  await ok(`mutation($c: String!) { joinParty(inviteCode: $c) { id } }`, { c: party.createParty.inviteCode }, member.accessToken);
  await ok(`mutation($m: ID!) { reportMessage(messageId: $m, reason: "fuzz") }`, { m: message.sendChatMessage.id }, member.accessToken);
  const sponsor = await ok(`mutation($i: SponsorInput!) { createSponsor(input: $i) { id } }`, { i: { name: 'Fuzz Sponsor', ownerId: member.user.id } }, adminToken);
  Object.assign(seeded, { eventId: event.createEvent.id, partyId: party.createParty.id, sponsorId: sponsor.createSponsor.id, hostToken: host.accessToken });
}

const services = () => world.platform.services as unknown as Record<string, { url: string }>;

afterAll(async () => {
  await world?.stop();
});

describe('the property-based fuzzer', () => {
  /** Answers by the first error's code ('data' without errors), counted over every run. */
  const outcomes = new Map<string, number>();
  let runs = 0;
  let refusedAtTheEdge = 0;

  it('gets a clean answer to every drawn call, through the gateway and straight at the subgraph', async () => {
    const property = fc.asyncProperty(fuzzCases(supergraphApiSchema()), async (c) => {
      runs++;
      const owner = operationAccessRules().get(c.operation.name)?.subgraph;
      const url = c.target === 'gateway' ? world.platform.gateway.url : services()[owner ?? '']?.url;
      if (!url) throw new Error(`${c.operation.name}: no subgraph owns it`);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers[c.target][c.caller] },
        body: requestBody(c.operation.document, c.operation.variables),
      });
      const text = await res.text();
      // GraphQL's coercion of the variables refuses at the edge; the rest reach the resolvers.
      if (text.includes('Variable \\"$')) refusedAtTheEdge++;
      const f = fault(res.status, text, outcomes);
      if (f) throw new Error(`${c.operation.name} as ${c.caller} at the ${c.target === 'gateway' ? 'gateway' : owner}: ${f}`);
    });
    // fast-check's report (the shrunk counterexample, the seed and the path to replay it) is the failure's message.
    await fc.assert(property, { seed: SEED, numRuns: RUNS, includeErrorInReport: true });
    const byCode = [...outcomes.entries()].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`);
    console.log(`fuzzer: seed ${SEED}, ${runs} cases, ${refusedAtTheEdge} refused by the coercion of their variables; by the first error's code: ${byCode.join(', ')}`);
    expect(runs).toBe(RUNS);
    // Refused at the edge, refused by the resolvers, and carried out: the draws reach all three.
    expect(outcomes.get('BAD_USER_INPUT') ?? 0).toBeGreaterThan(RUNS / 10);
    expect((outcomes.get('data') ?? 0) + (outcomes.get('NOT_FOUND') ?? 0)).toBeGreaterThan(RUNS / 20);
  });

  it('writes what JSON.stringify cannot into the body raw, and leaves a NUL in text alone', () => {
    expect(requestBody('q', { a: raw('1e400'), b: [raw('NaN'), 'nul\u0000x'] })).toBe('{"query":"q","variables":{"a":1e400,"b":[NaN,"nul\\u0000x"]}}');
  });

  it('names the shrunk counterexample, the seed and the path when the property fails', async () => {
    // A planted fault, with no server: any text of a thousand characters or more "breaks" it.
    const long = (v: unknown): boolean => (typeof v === 'string' ? v.length >= 1000 : v !== null && typeof v === 'object' && Object.values(v).some(long));
    const planted = fc.asyncProperty(fuzzCases(supergraphApiSchema()), async (c) => {
      if (long(c.operation.variables)) throw new Error(`${c.operation.name}: planted fault`);
    });
    const failure = await fc.assert(planted, { seed: SEED, numRuns: 1000, includeErrorInReport: true }).then(
      () => 'no failure',
      (e: Error) => e.message,
    );
    expect(failure).toMatch(/Counterexample: \[/);
    expect(failure).toMatch(/Shrunk \d+ time/);
    expect(failure).toMatch(new RegExp(`seed: ${SEED}, path: "[\\d:]+"`));
    // Shrunk to the smallest text that still fails.
    expect(failure).toContain(`"${'x'.repeat(1000)}"`);
    expect(failure).toMatch(/planted fault/);
  });

  it('gets a clean answer to every drawn argument of the fields below the root, on objects that exist', async () => {
    const { admin: asAdmin } = headers.gateway;
    const asHost = { authorization: `Bearer ${seeded.hostToken}` };
    const gw = world.platform.gateway.url;
    // How each field is reached: the root call around it, its variables, and who asks.
    const reach: Record<string, { around: (call: string) => string; defs: string; variables: Record<string, unknown>; caller: Record<string, string> }> = {
      'Event.qos': { around: (c) => `event(id: $parent) { ${c} }`, defs: '$parent: ID!', variables: { parent: seeded.eventId }, caller: asAdmin },
      'Party.recentMessages': { around: (c) => `party(id: $parent) { ${c} }`, defs: '$parent: ID!', variables: { parent: seeded.partyId }, caller: asHost },
      'MessageReport.context': { around: (c) => `moderationQueue(first: 5) { edges { node { ${c} } } }`, defs: '', variables: {}, caller: asAdmin },
      'Sponsor.assets': { around: (c) => `sponsor(id: $parent) { ${c} }`, defs: '$parent: ID!', variables: { parent: seeded.sponsorId }, caller: asAdmin },
    };
    // A placement needs an approved upload; its `impressions(from, to)` stays with the hostile corpus's reach.
    const notReached = ['Placement.impressions'];
    const schema = supergraphApiSchema();
    const fields = Object.values(schema.getTypeMap())
      .filter((t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('__') && ![schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].includes(t))
      .flatMap((t) => Object.values(t.getFields()).filter((f) => f.args.length).map((f) => ({ name: `${t.name}.${f.name}`, field: f })));
    // A field with arguments added tomorrow must be given a way in here.
    expect(fields.map((f) => f.name).sort()).toEqual([...Object.keys(reach), ...notReached].sort());

    const reached = new Map<string, number>();
    const nestedOutcomes = new Map<string, number>();
    const property = fc.asyncProperty(
      fc.oneof(...fields.filter((f) => reach[f.name]).map((f) => argumentsOf(f.field).map((variables) => ({ ...f, variables })))),
      async ({ name, field, variables }) => {
        const way = reach[name];
        const defs = [way.defs, ...field.args.map((a) => `$${a.name}: ${String(a.type)}`)].filter(Boolean).join(', ');
        const call = `${field.name}(${field.args.map((a) => `${a.name}: $${a.name}`).join(', ')})${isLeafType(getNamedType(field.type)) ? '' : ' { __typename }'}`;
        const document = `query Probe(${defs}) { ${way.around(call)} }`;
        const res = await fetch(gw, { method: 'POST', headers: { 'content-type': 'application/json', ...way.caller }, body: requestBody(document, { ...way.variables, ...variables }) });
        const text = await res.text();
        const f = fault(res.status, text, nestedOutcomes);
        if (f) throw new Error(`${name} as ${way.caller === asHost ? 'the party\'s host' : 'admin'}: ${f}`);
        // Reached: the field is in the answer, resolved or refused by its resolver.
        if (text.includes(`"${field.name}"`)) reached.set(name, (reached.get(name) ?? 0) + 1);
      },
    );
    await fc.assert(property, { seed: SEED, numRuns: NESTED_RUNS, includeErrorInReport: true });
    console.log(`fuzzer, fields below the root: ${NESTED_RUNS} cases; reached their resolver: ${[...reached].map(([n, k]) => `${n} ${k}`).join(', ')}; by the first error's code: ${[...nestedOutcomes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')}`);
    for (const name of Object.keys(reach)) expect({ name, reached: (reached.get(name) ?? 0) > 0 }).toEqual({ name, reached: true });
  });

  it('leaves every service healthy', async () => {
    const urls = [world.platform.gateway.url, ...Object.values(services()).map((s) => s.url)];
    for (const url of urls) {
      const res = await fetch(url.replace(/\/graphql$/, '/health'));
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
    }
  });
});
