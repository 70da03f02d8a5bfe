import { PRINCIPAL_HEADER, operationAccessRules, signCaller } from '@frontrow/kit';
import { signIn, uniqueName } from '@frontrow/kit/testing';
import { hostileCases, type HostileCase } from './hostile-corpus';
import { fault as cleanAnswerFault } from './oracle';
import { supergraphApiSchema } from './operations';
import { startTestPlatform, type TestPlatform } from './test-platform';

/**
 * The generated hostile-input corpus (hostile-corpus.ts), sent as an admin (whose calls
 * reach deepest into the resolvers) through the gateway and straight at the subgraph
 * that owns each operation, signed as the gateway signs. Every answer must be a clean
 * refusal or a result: an HTTP status below 500, JSON, every error with a code of the
 * contract, no stack trace, file path or SQL in any error, and every service healthy
 * afterwards.
 */

let world: TestPlatform;
let adminToken: string;
let adminHeader: string;
const admin = { email: `${uniqueName('admin')}@example.com`, password: 'hostile-admin-password' };

beforeAll(async () => {
  // The admin sends a few thousand requests: the gateway's per-caller limit is raised for it.
  world = await startTestPlatform('hostile', { seedAdmin: admin, gateway: { rateLimits: { perPrincipalPerMinute: 1_000_000 } } });
  const session = await signIn(world.platform.gateway.url, admin.email, admin.password);
  adminToken = session.accessToken;
  adminHeader = await signCaller({ principal: { kind: 'user', userId: session.user.id, roles: ['FAN', 'ADMIN'], scopes: [] }, clientIp: '198.51.100.7' }, world.principalSecret);
});

afterAll(async () => {
  await world?.stop();
});

/** How the cases were answered, by the first error's code ('data' without errors): the corpus must reach past the edge. */
const answers = new Map<string, number>();

/** What is wrong with an answer, or null when it is clean (counted in `answers`). */
function fault(status: number, text: string): string | null {
  return cleanAnswerFault(status, text, answers);
}

async function send(url: string, c: HostileCase, headers: Record<string, string>): Promise<string | null> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: c.operation.document, variables: c.operation.variables }),
  });
  return fault(res.status, await res.text());
}

describe('the hostile-input corpus', () => {
  const cases = hostileCases(supergraphApiSchema());

  it('has an oracle that catches what it looks for', () => {
    const err = (message: string, extensions: Record<string, unknown>) => JSON.stringify({ errors: [{ message, extensions }] });
    expect(fault(500, '{}')).toBe('HTTP 500');
    expect(fault(400, '<html>Error</html>')).toMatch(/not JSON/);
    expect(fault(200, err('boom', { code: 'INTERNAL_SERVER_ERROR' }))).toMatch(/code INTERNAL_SERVER_ERROR/);
    expect(fault(200, err('TypeError: x is undefined\n    at resolve (/app/subgraphs/events/src/event.resolver.ts:10:5)', { code: 'BAD_USER_INPUT' }))).toMatch(/stack trace/);
    expect(fault(200, err('insert into "venue" failed: value too long; invalid input syntax for type uuid', { code: 'BAD_USER_INPUT' }))).toMatch(/SQL/);
    expect(fault(200, err('The name is too long.', { code: 'BAD_USER_INPUT', field: 'name' }))).toBeNull();
    expect(fault(200, err('The media server is unavailable.', { code: 'INTERNAL_SERVER_ERROR', reason: 'MEDIA_UNAVAILABLE' }))).toBeNull();
  });

  it('holds at least a thousand cases, over every operation that takes arguments', () => {
    expect(cases.length).toBeGreaterThan(1000);
    const covered = new Set(cases.map((c) => c.operation.name));
    const withArgs = [...operationAccessRules().keys()].filter((n) => !n.startsWith('Subscription.'));
    // Rules are collected as the subgraphs start; every operation with arguments has cases.
    expect(withArgs.length).toBeGreaterThan(70);
    for (const name of covered) expect(withArgs).toContain(name);
  });

  it('gets a clean answer to every case through the gateway', async () => {
    const faults: string[] = [];
    for (const c of cases) {
      const f = await send(world.platform.gateway.url, c, { authorization: `Bearer ${adminToken}` });
      if (f) faults.push(`${c.name}: ${f}`);
    }
    expect(faults).toEqual([]);
    // Refused at the edge, refused by a resolver's own checks, and carried out: all three happen.
    expect(answers.get('BAD_USER_INPUT') ?? 0).toBeGreaterThan(300);
    expect((answers.get('data') ?? 0) + (answers.get('NOT_FOUND') ?? 0)).toBeGreaterThan(300);
  });

  it('gets a clean answer to every case straight at the subgraph that owns the operation', async () => {
    const faults: string[] = [];
    const services = world.platform.services as unknown as Record<string, { url: string }>;
    for (const c of cases) {
      const owner = operationAccessRules().get(c.operation.name)?.subgraph;
      if (!owner || !services[owner]) {
        faults.push(`${c.name}: no subgraph for ${c.operation.name}`);
        continue;
      }
      const f = await send(services[owner].url, c, { [PRINCIPAL_HEADER]: adminHeader });
      if (f) faults.push(`${c.name} (at ${owner}): ${f}`);
    }
    expect(faults).toEqual([]);
  });

  it('leaves every service healthy', async () => {
    const urls = [world.platform.gateway.url, ...Object.values(world.platform.services as unknown as Record<string, { url: string }>).map((s) => s.url)];
    for (const url of urls) {
      const res = await fetch(url.replace(/\/graphql$/, '/health'));
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
    }
  });
});
