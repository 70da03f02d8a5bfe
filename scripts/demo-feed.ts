/**
 * `npm run demo:feed`: streams the 360 test pattern into the live demo game, so that a
 * local platform (`npm start` with JANUS_* set) has something to watch, and prints a
 * viewer's address for a demo fan.
 *
 * The demo admin (through the gateway) only makes sure the game's default seat is
 * ingesting: `startIngest` is asked every time, which changes nothing when the feed is
 * live on Janus and recreates its mountpoint when Janus lost it. The viewer's address
 * carries a demo fan's token, never the admin's: the fan is signed in (or signed up the
 * first time), buys a match pass through the normal checkout with the test provider's
 * `pm_card_ok` unless they hold one, and waits until media grants playback. Run it as
 * often as you like; Ctrl-C stops the stream.
 *
 *   GATEWAY_URL (http://localhost:4000/graphql), WEB_URL (http://localhost:3000)
 *   SEED_ADMIN_EMAIL / SEED_ADMIN_PASSWORD   the demo admin of `npm start` by default
 *   DEMO_FAN_EMAIL / DEMO_FAN_PASSWORD       the fan; by default one made up on first use
 *                                            and remembered in .data/demo-fan.json
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, setting } from '@frontrow/kit/config';
import { startTestSource } from '@frontrow/media-plane/src/test-source';

const ROOT = join(__dirname, '..');
const FAN_FILE = join(ROOT, '.data', 'demo-fan.json');
/** The embedded platform's demo admin (scripts/start.ts seeds it in embedded mode only). */
const DEMO_ADMIN = { email: 'admin@frontrow.local', password: 'frontrow-admin' };
const WAIT_MS = 60_000;

function readConfig() {
  const c = loadConfig({
    GATEWAY_URL: setting.url({ optional: true, protocols: ['http', 'https'] }),
    WEB_URL: setting.url({ optional: true, protocols: ['http', 'https'] }),
    SEED_ADMIN_EMAIL: setting.optionalString(),
    SEED_ADMIN_PASSWORD: setting.optionalString(),
    DEMO_FAN_EMAIL: setting.optionalString(),
    DEMO_FAN_PASSWORD: setting.optionalString(),
  });
  return { ...c, GATEWAY_URL: c.GATEWAY_URL ?? 'http://localhost:4000/graphql', WEB_URL: (c.WEB_URL ?? 'http://localhost:3000').replace(/\/$/, '') };
}
let config: ReturnType<typeof readConfig>;

interface Ingest {
  status: string;
  rtpHost: string | null;
  videoPort: number | null;
  audioPort: number | null;
  preset: { id: string; codec: string } | null;
}
interface Feed {
  id: string;
  label: string;
  projection: string;
  isDefault: boolean;
  preview: boolean;
  ingest: Ingest | null;
}
interface GqlError {
  message: string;
  extensions?: { code?: string; reason?: string };
}

class GraphQLFailure extends Error {
  constructor(readonly errors: GqlError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

async function gql<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await fetch(config.GATEWAY_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  }).catch(() => {
    throw new Error(`No gateway at ${config.GATEWAY_URL}: start the platform first (npm start).`);
  });
  const body = (await res.json()) as { data?: T; errors?: GqlError[] };
  if (body.errors?.length) throw new GraphQLFailure(body.errors);
  return body.data as T;
}

/** Asks `check` until it returns a value; `what` names what was waited for if it never does. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what} after ${WAIT_MS / 1000}s.`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function signIn(email: string, password: string): Promise<string> {
  const d = await gql<{ signIn: { accessToken: string } }>(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email, password } });
  return d.signIn.accessToken;
}

async function adminToken(): Promise<string> {
  const email = config.SEED_ADMIN_EMAIL ?? DEMO_ADMIN.email;
  const password = config.SEED_ADMIN_PASSWORD ?? DEMO_ADMIN.password;
  try {
    return await signIn(email, password);
  } catch (e) {
    if (e instanceof GraphQLFailure && e.code === 'UNAUTHENTICATED') {
      throw new Error(`Cannot sign in as the admin ${email}: set SEED_ADMIN_EMAIL and SEED_ADMIN_PASSWORD to the platform's admin.`);
    }
    throw e;
  }
}

/** The fan's credentials: given, or remembered from an earlier run, or made up now (and remembered). */
function fanCredentials(): { email: string; password: string; given: boolean } {
  if (config.DEMO_FAN_EMAIL || config.DEMO_FAN_PASSWORD) {
    if (!config.DEMO_FAN_EMAIL || !config.DEMO_FAN_PASSWORD) {
      throw new ConfigError(config.DEMO_FAN_EMAIL ? 'DEMO_FAN_PASSWORD' : 'DEMO_FAN_EMAIL', 'is required when the other DEMO_FAN_* setting is set.');
    }
    return { email: config.DEMO_FAN_EMAIL, password: config.DEMO_FAN_PASSWORD, given: true };
  }
  if (existsSync(FAN_FILE)) {
    const saved = JSON.parse(readFileSync(FAN_FILE, 'utf8')) as { email?: unknown; password?: unknown };
    if (typeof saved.email === 'string' && typeof saved.password === 'string') return { email: saved.email, password: saved.password, given: false };
  }
  const made = { email: `fan-${randomBytes(4).toString('hex')}@frontrow.local`, password: randomBytes(18).toString('base64url') };
  mkdirSync(join(ROOT, '.data'), { recursive: true });
  writeFileSync(FAN_FILE, `${JSON.stringify(made, null, 2)}\n`, { mode: 0o600 });
  return { ...made, given: false };
}

async function fanToken(): Promise<{ email: string; token: string }> {
  const fan = fanCredentials();
  try {
    return { email: fan.email, token: await signIn(fan.email, fan.password) };
  } catch (e) {
    if (!(e instanceof GraphQLFailure && e.code === 'UNAUTHENTICATED')) throw e;
  }
  try {
    const d = await gql<{ signUp: { accessToken: string } }>(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, {
      i: { email: fan.email, password: fan.password, displayName: 'Demo fan' },
    });
    return { email: fan.email, token: d.signUp.accessToken };
  } catch (e) {
    if (e instanceof GraphQLFailure && e.code === 'CONFLICT') {
      throw new Error(
        fan.given
          ? `${fan.email} exists with another password: fix DEMO_FAN_PASSWORD, or pick another DEMO_FAN_EMAIL.`
          : `${fan.email} exists with another password: delete ${FAN_FILE} and run again.`,
      );
    }
    throw e;
  }
}

const INGEST = 'ingest { status rtpHost videoPort audioPort preset { id codec } }';

/** The live demo game and the seat to stream into: its default 360 seat. */
async function liveSeat(token: string): Promise<{ event: { id: string; title: string }; feed: Feed }> {
  const { events } = await gql<{ events: { edges: Array<{ node: { id: string; title: string; feeds: Feed[] } }> } }>(
    `{ events(filter: { status: LIVE }, first: 1) { edges { node { id title feeds { id label projection isDefault preview ${INGEST} } } } } }`,
    {},
    token,
  );
  const event = events.edges[0]?.node;
  if (!event?.feeds.length) throw new Error('No live event with a feed: start the platform on embedded defaults (it seeds a live demo game), or make one live.');
  const feed = event.feeds.find((f) => f.isDefault && f.projection === 'EQUIRECT_MONO') ?? event.feeds.find((f) => f.isDefault) ?? event.feeds[0];
  return { event, feed };
}

/**
 * Makes sure the seat is ingesting. Asked again with its current preset, `startIngest`
 * changes nothing while Janus has the mountpoint, and recreates it when Janus lost it.
 */
async function ensureIngest(token: string, feed: Feed): Promise<Ingest> {
  const presetId = feed.ingest?.status === 'LIVE' && feed.ingest.preset ? feed.ingest.preset.id : 'test-pattern-vp8';
  // Media learns of feeds from the bus: right after start-up it may not know this one yet.
  return waitFor('media to learn of the feed', async () => {
    try {
      const d = await gql<{ startIngest: Ingest }>(
        `mutation($f: ID!, $p: ID!) { startIngest(feedId: $f, presetId: $p) { status rtpHost videoPort audioPort preset { id codec } } }`,
        { f: feed.id, p: presetId },
        token,
      );
      return d.startIngest;
    } catch (e) {
      if (e instanceof GraphQLFailure && e.code === 'NOT_FOUND') return undefined;
      if (e instanceof GraphQLFailure && e.errors[0]?.extensions?.reason === 'MEDIA_UNAVAILABLE') {
        throw new Error('Media cannot reach Janus: start it (npm run janus) and give npm start the JANUS_* settings it prints.');
      }
      throw e;
    }
  });
}

/** The fan's pass for the event: held already, or bought now through the normal checkout. */
async function ensurePass(token: string, eventId: string): Promise<string> {
  const { event } = await gql<{ event: { viewerEntitlement: { kind: string } | null; products: Array<{ id: string; kind: string; name: string; active: boolean }> } }>(
    `query($id: ID!) { event(id: $id) { viewerEntitlement { kind } products { id kind name active } } }`,
    { id: eventId },
    token,
  );
  if (event.viewerEntitlement) return `already holds a pass (${event.viewerEntitlement.kind})`;
  const product = event.products.find((p) => p.active && p.kind === 'EVENT_PASS') ?? event.products.find((p) => p.active && p.kind === 'SEASON_PASS');
  if (!product) throw new Error('The live game has no pass on sale: seed the demo catalog (embedded npm start does).');
  const { checkout } = await gql<{ checkout: { id: string } }>(
    `mutation($i: CheckoutInput!) { checkout(input: $i) { id } }`,
    { i: { productId: product.id, quantity: 1, idempotencyKey: `demo-feed-${randomUUID()}`, paymentMethod: 'pm_card_ok' } },
    token,
  );
  await waitFor('the order to be paid', async () => {
    const { order } = await gql<{ order: { status: string } }>(`query($id: ID!) { order(id: $id) { status } }`, { id: checkout.id }, token);
    if (order.status === 'FAILED' || order.status === 'CANCELLED') throw new Error(`The order for "${product.name}" ended ${order.status}.`);
    return order.status === 'PAID' ? true : undefined;
  });
  await waitFor('the pass', async () => {
    const d = await gql<{ event: { viewerEntitlement: { kind: string } | null } }>(`query($id: ID!) { event(id: $id) { viewerEntitlement { kind } } }`, { id: eventId }, token);
    return d.event.viewerEntitlement ?? undefined;
  });
  return `bought "${product.name}"`;
}

/** Media learns of the pass from the bus: the fan's grant is the proof that the viewer will play. */
async function waitForGrant(token: string, feedId: string): Promise<void> {
  await waitFor('media to grant the fan playback', async () => {
    try {
      const d = await gql<{ feed: { playback: { token: string } | null } }>(`query($id: ID!) { feed(id: $id) { playback { token } } }`, { id: feedId }, token);
      if (!d.feed.playback) throw new Error('The seat is not live on Janus.');
      return true;
    } catch (e) {
      if (e instanceof GraphQLFailure && e.code === 'FORBIDDEN') return undefined;
      throw e;
    }
  });
}

async function main(): Promise<void> {
  config = readConfig();
  const admin = await adminToken();
  const { event, feed } = await liveSeat(admin);
  const ingest = await ensureIngest(admin, feed);
  if (ingest.status !== 'LIVE' || !ingest.videoPort || !ingest.audioPort) throw new Error(`The seat's ingest is ${ingest.status}, not LIVE.`);
  const fan = await fanToken();
  const pass = await ensurePass(fan.token, event.id);
  await waitForGrant(fan.token, feed.id);

  const codec = ingest.preset?.codec.toLowerCase().includes('264') ? 'h264' : 'vp8';
  const source = startTestSource({
    host: ingest.rtpHost ?? '127.0.0.1',
    videoPort: ingest.videoPort,
    audioPort: ingest.audioPort,
    codec,
    onLog: (line) => process.stderr.write(`ffmpeg: ${line}\n`),
  });
  // Ready for Ctrl-C before the address is printed: whoever reads it may stop us at once.
  const stop = () => void source.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  source.process.once('exit', (code) => {
    if (code) process.stderr.write(`ffmpeg exited with ${code}\n`);
    process.exit(code ?? 0);
  });
  process.stdout.write(
    [
      `Streaming the test pattern (${codec}) into "${event.title}", seat "${feed.label}" (RTP to ${ingest.rtpHost}:${ingest.videoPort}/${ingest.audioPort}).`,
      `Watching as the demo fan ${fan.email} (${pass}).`,
      `Watch it: ${config.WEB_URL}/watch/${feed.id}#token=${fan.token}`,
      'Ctrl-C stops the stream.',
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
