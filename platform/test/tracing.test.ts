import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { flushTracing } from '@frontrow/kit';
import { eventually, gql as post, signUp as signUpAt, type GqlAuth } from '@frontrow/kit/testing';
import type { Platform } from '../src/launch';
import { startTestPlatform, type TestPlatform } from './test-platform';

/**
 * One trace across the graph and the bus: a client's checkout, sent with its own
 * `traceparent`, through the gateway to commerce, on through the payment's webhook to
 * the entitlement commerce publishes, and into media's consumer of it. Spans leave the
 * process as OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT) for a receiver this test runs.
 */
interface ReceivedSpan {
  service: string;
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

const received: ReceivedSpan[] = [];
let receiver: Server;
let world: TestPlatform;
let platform: Platform;
const admin = { email: `trace-admin-${randomBytes(4).toString('hex')}@example.com`, password: 'a long admin password' };

/** OTLP/JSON writes ids as hex; protobuf-shaped JSON as base64: both become hex here. */
function hex(id: unknown): string {
  if (typeof id !== 'string' || !id) return '';
  return /^[0-9a-f]+$/i.test(id) && (id.length === 16 || id.length === 32) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

interface OtlpBody {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value?: { stringValue?: string } }> };
    scopeSpans?: Array<{ spans?: Array<{ name: string; kind: number; traceId: string; spanId: string; parentSpanId?: string }> }>;
  }>;
}

function collect(body: OtlpBody): void {
  for (const rs of body.resourceSpans ?? []) {
    const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue ?? '';
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        received.push({ service, name: s.name, kind: s.kind, traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: hex(s.parentSpanId) });
      }
    }
  }
}

const gql = (query: string, variables: Record<string, unknown> = {}, auth?: GqlAuth) => post(platform.gateway.url, query, variables, auth);

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && String(req.headers['content-type']).includes('json')) collect(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
  world = await startTestPlatform('tracing', { seedAdmin: admin });
  platform = world.platform;
});

afterAll(async () => {
  await world?.stop();
  await flushTracing();
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  await new Promise((resolve) => receiver?.close(resolve));
});

test('a checkout is one trace: client → gateway → commerce → payment webhook → bus → media’s consumer', async () => {
  const token = (await gql(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: admin })).data!.signIn.accessToken as string;
  const venue = await gql(`mutation { createVenue(input: { name: "Traced", city: "Rome", country: "IT", timezone: "Europe/Rome" }) { id } }`, {}, token);
  const event = await gql(
    `mutation($v: ID!) { createEvent(input: { title: "Traced final", sport: "rugby", homeTeam: "A", awayTeam: "B", venueId: $v,
       startsAt: "2031-04-01T18:00:00Z", endsAt: "2031-04-01T20:00:00Z" }) { id } }`,
    { v: venue.data!.createVenue.id },
    token,
  );
  const product = await gql(
    `mutation($i: ProductInput!) { createProduct(input: $i) { id } }`,
    { i: { kind: 'EVENT_PASS', name: 'Traced pass', eventId: event.data!.createEvent.id, amount: 500, currency: 'EUR', inventory: 5 } },
    token,
  );
  const fan = await signUpAt(platform.gateway.url, 'Tracy');

  // The client starts the trace.
  const traceId = randomBytes(16).toString('hex');
  const clientSpan = randomBytes(8).toString('hex');
  const checkout = await gql(
    `mutation Checkout($i: CheckoutInput!) { checkout(input: $i) { id } }`,
    { i: { productId: product.data!.createProduct.id, quantity: 1, idempotencyKey: randomBytes(8).toString('hex') } },
    { token: fan.accessToken, headers: { traceparent: `00-${traceId}-${clientSpan}-01` } },
  );
  expect(checkout.errors).toBeUndefined();

  const inTrace = () => received.filter((s) => s.traceId === traceId);
  const consumed = await eventually(async () => {
    await flushTracing();
    return inTrace().find((s) => s.service === 'media' && s.name === 'consume commerce.entitlement.granted');
  });
  const byId = new Map(inTrace().map((s) => [s.spanId, s]));
  // Walk from media's consumer up to the client's span.
  const chain: ReceivedSpan[] = [];
  for (let s: ReceivedSpan | undefined = consumed; s; s = byId.get(s.parentSpanId)) chain.unshift(s);
  expect(chain[0].parentSpanId).toBe(clientSpan);
  expect(chain.map((s) => `${s.service}: ${s.name}`)).toEqual([
    'gateway: mutation Checkout',
    'gateway: POST commerce',
    'commerce: mutation Checkout__commerce__0',
    'commerce: apply payment.succeeded',
    'commerce: publish commerce.entitlement.granted',
    'media: consume commerce.entitlement.granted',
  ]);
  // SERVER, CLIENT, SERVER, INTERNAL, PRODUCER, CONSUMER (OTLP's numbering).
  expect(chain.map((s) => s.kind)).toEqual([2, 3, 2, 1, 4, 5]);
}, 60_000);
