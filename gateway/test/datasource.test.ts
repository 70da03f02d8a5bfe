import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PRINCIPAL_HEADER, verifyCaller } from '@frontrow/kit';
import { startStack, type Stack } from './stack';

/**
 * Every call to a subgraph goes through one signed data source (queries here; the
 * entity fetches of subscription events use the same instances): the caller signed,
 * the request id passed on, and an answer within the subgraph timeout.
 */
let stuck: Server;
let stack: Stack;
const received: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  // A subgraph that takes requests and never answers them.
  stuck = createServer((req) => void received.push(req.headers));
  await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
  const events = `http://127.0.0.1:${(stuck.address() as AddressInfo).port}/graphql`;
  stack = await startStack({ gateway: { subgraphUrls: { events }, subgraphTimeoutMs: 300 } });
});

afterAll(async () => {
  await stack?.close();
  stuck.closeAllConnections();
  await new Promise((resolve) => stuck.close(resolve));
});

it('gives up on a subgraph that does not answer within the timeout, having signed the caller and passed the request id', async () => {
  const r = await stack.gql(`query Stuck { events(first: 1) { edges { node { id } } } }`, undefined, { headers: { 'x-request-id': 'stuck-request-1' } });
  expect(r.status).toBe(200);
  expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'events', retryAfterSeconds: 2 } });
  expect(r.data).toBeNull();
  expect(received).toHaveLength(1);
  expect(received[0]['x-request-id']).toBe('stuck-request-1');
  const header = received[0][PRINCIPAL_HEADER];
  expect(await verifyCaller(typeof header === 'string' ? header : undefined, stack.secret)).toEqual({ principal: null, clientIp: expect.any(String) });
});
