import { freePort } from '@frontrow/kit';
import { gql, signIn, testEnv, testSecret, uniqueName, type GqlReply, type Loose } from '@frontrow/kit/testing';
import { Client } from 'pg';
import { ServiceProcess } from './processes';

/**
 * One subgraph killed (SIGKILL), each in turn, under a gateway that keeps running: a
 * query that needs it answers the rest of its data, null where the missing subgraph's
 * field was, and an error naming that subgraph (SERVICE_UNAVAILABLE); a query that does not need it answers whole; the gateway
 * stays up; and once the subgraph is back (same port, a new process) the first query
 * answers whole again, without touching the gateway. Every service is a process of its
 * own, as deployed; the bus is each process's stand-in (this is about HTTP).
 */

const SUBGRAPHS = ['identity', 'events', 'media', 'commerce', 'creative', 'presence', 'telemetry'] as const;
type Name = (typeof SUBGRAPHS)[number];

const secret = testSecret();
const admin = { email: `${uniqueName('admin')}@example.com`, password: 'faults-admin-password' };
const schemas = Object.fromEntries(SUBGRAPHS.map((n) => [n, uniqueName(`${n}_faults`)])) as Record<Name, string>;
const services = {} as Record<Name, ServiceProcess>;
let gateway: ServiceProcess;
let token: string;
let eventId: string;
let feedId: string;

function subgraph(name: Name, port: number): ServiceProcess {
  const env: Record<string, string> = {
    [`${name.toUpperCase()}_PORT`]: String(port),
    PRINCIPAL_SECRET: secret,
    DATABASE_URL: testEnv.databaseUrl!,
    DATABASE_SCHEMA: schemas[name],
    AMQP_URL: '',
    REDIS_URL: '',
  };
  if (name === 'identity') Object.assign(env, { SEED_ADMIN_EMAIL: admin.email, SEED_ADMIN_PASSWORD: admin.password });
  if (name === 'commerce') env.PAYMENTS_WEBHOOK_SECRET = testSecret();
  return new ServiceProcess(name, `subgraphs/${name}/src/index.ts`, env, port);
}

beforeAll(async () => {
  for (const name of SUBGRAPHS) services[name] = subgraph(name, await freePort());
  await Promise.all(SUBGRAPHS.map((n) => services[n].start()));
  const port = await freePort();
  gateway = new ServiceProcess(
    'gateway',
    'gateway/src/index.ts',
    {
      PORT: String(port),
      PRINCIPAL_SECRET: secret,
      IDENTITY_URL: new URL(services.identity.url).origin,
      REDIS_URL: '',
      ...Object.fromEntries(SUBGRAPHS.map((n) => [`SUBGRAPH_URL_${n.toUpperCase()}`, services[n].url])),
    },
    port,
  );
  await gateway.start();
  token = (await signIn(gateway.url, admin.email, admin.password)).accessToken;
  const venue = await must(`mutation { createVenue(input: { name: "Fault Arena", city: "Oslo", country: "NO", timezone: "Europe/Oslo" }) { id } }`);
  const event = await must(
    `mutation($v: ID!) { createEvent(input: { title: "Fault game", sport: "hockey", homeTeam: "A", awayTeam: "B", venueId: $v,
       startsAt: "2031-03-01T20:00:00Z", endsAt: "2031-03-01T22:00:00Z" }) { id } }`,
    { v: venue.createVenue.id },
  );
  eventId = event.createEvent.id;
  const feed = await must(`mutation($e: ID!) { addFeed(input: { eventId: $e, label: "Center ice", projection: EQUIRECT_MONO }) { id } }`, { e: eventId });
  feedId = feed.addFeed.id;
}, 180_000);

afterAll(async () => {
  await gateway?.stop();
  await Promise.all(SUBGRAPHS.map((n) => services[n]?.stop()));
  // The processes leave their schemas behind: drop them.
  const db = new Client({ connectionString: testEnv.databaseUrl });
  await db.connect();
  for (const s of Object.values(schemas)) await db.query(`drop schema if exists "${s}" cascade`);
  await db.end();
});

async function call(query: string, variables: Record<string, unknown> = {}): Promise<GqlReply> {
  return gql(gateway.url, query, variables, token);
}

async function must(query: string, variables: Record<string, unknown> = {}): Promise<Loose> {
  const r = await call(query, variables);
  if (!r.data || r.errors?.length) throw new Error(`setup failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}

/**
 * For each subgraph: a query whose other parts come from other subgraphs and whose one
 * nullable field (`missing`, a path) needs it, and a query it plays no part in.
 */
const CASES: Record<Name, { needs: () => [string, Record<string, unknown>]; missing: string; other: string }> = {
  // A signed-in caller's token is still verified without identity (the gateway holds its keys).
  identity: { needs: () => [`{ venues { id } me { id } }`, {}], missing: 'me', other: `{ myEntitlements { id } }` },
  events: { needs: () => [`query($e: ID!) { me { id } event(id: $e) { id } }`, { e: eventId }], missing: 'event', other: `{ me { id } }` },
  media: { needs: () => [`query($f: ID!) { feed(id: $f) { label ingest { status } } }`, { f: feedId }], missing: 'feed.ingest', other: `{ venues { id } }` },
  commerce: { needs: () => [`query($e: ID!) { event(id: $e) { title viewerEntitlement { id } } }`, { e: eventId }], missing: 'event.viewerEntitlement', other: `{ venues { id } }` },
  creative: { needs: () => [`query($e: ID!) { venues { id } sponsor(id: $e) { id } }`, { e: eventId }], missing: 'sponsor', other: `{ me { id } }` },
  presence: { needs: () => [`query($e: ID!) { venues { id } party(id: $e) { id } }`, { e: eventId }], missing: 'party', other: `{ me { id } }` },
  telemetry: { needs: () => [`query($e: ID!) { event(id: $e) { title qos { viewers } } }`, { e: eventId }], missing: 'event.qos', other: `{ venues { id } }` },
};

function at(data: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), data);
}

describe('one subgraph killed, each in turn', () => {
  it.each(SUBGRAPHS)('%s: partial data with an error where its fields were, the rest whole, the gateway up, whole again once it is back', async (name) => {
    const c = CASES[name];
    const [query, variables] = c.needs();
    const before = await call(query, variables);
    // What the query answers with every subgraph up (a NOT_FOUND for an id that is no sponsor or party is an answer).
    expect((before.errors ?? []).filter((e) => e.extensions?.code !== 'NOT_FOUND')).toEqual([]);

    await services[name].stop('SIGKILL');
    const during = await call(query, variables);
    expect(during.status).toBeLessThan(500);
    // Everything but the missing field is there.
    const parent = c.missing.includes('.') ? c.missing.slice(0, c.missing.lastIndexOf('.')) : null;
    if (parent) expect(at(during.data, parent)).toBeTruthy();
    else expect(Object.entries(during.data ?? {}).filter(([k, v]) => k !== c.missing && v !== null).length).toBeGreaterThan(0);
    expect(at(during.data, c.missing)).toBeNull();
    const error = during.errors?.find((e) => e.extensions?.serviceName === name);
    expect(error).toMatchObject({ message: `The ${name} service is unavailable right now; try again shortly.`, extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 2 } });
    expect(JSON.stringify(during.errors)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|localhost/);
    const other = await call(c.other);
    expect(other.errors ?? []).toEqual([]);
    expect((await fetch(gateway.url.replace(/\/graphql$/, '/health'))).status).toBe(200);

    await services[name].start();
    const after = await call(query, variables);
    expect(after).toEqual(before);
  });
});
