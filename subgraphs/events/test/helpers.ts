import { randomUUID } from 'node:crypto';
import { PRINCIPAL_HEADER, signCaller, type Principal, type RoleName } from '@frontrow/kit';
import { gql, testEnv, testSecret, testTransport, uniqueName, type GqlReply } from '@frontrow/kit/testing';
import { start, type EventsHandle, type EventsOptions } from '../src/server';

export type { GqlError } from '@frontrow/kit/testing';
export type GqlResult<T = Record<string, unknown>> = GqlReply<T>;

/** Who is calling: a role set (signed with the service's secret), a raw header, or nobody. */
export type As = RoleName[] | { header: string } | null;

/** One events subgraph on a free port, with its own schema, bus and secret. */
export class Harness {
  readonly secret = testSecret();
  readonly transport = testTransport();
  readonly queries: string[] = [];
  readonly adminId = randomUUID();
  handle!: EventsHandle;

  async start(extra: Partial<EventsOptions> = {}): Promise<this> {
    this.handle = await start({
      port: 0,
      principalSecret: this.secret,
      databaseUrl: testEnv.databaseUrl,
      databaseSchema: uniqueName('events'),
      dropSchemaOnStop: true,
      transport: this.transport,
      onQuery: (sql) => this.queries.push(sql),
      ...extra,
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
    await this.transport.close();
  }

  async header(as: As): Promise<Record<string, string>> {
    if (!as) return { [PRINCIPAL_HEADER]: await signCaller({ principal: null, clientIp: '203.0.113.7' }, this.secret) };
    if ('header' in as) return { [PRINCIPAL_HEADER]: as.header };
    const principal: Principal = { kind: 'user', userId: as.includes('ADMIN') ? this.adminId : randomUUID(), roles: as, scopes: [] };
    return { [PRINCIPAL_HEADER]: await signCaller({ principal, clientIp: '203.0.113.7' }, this.secret) };
  }

  async call<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, as: As = null): Promise<GqlResult<T>> {
    return gql<T>(this.handle.url, query, variables, { headers: await this.header(as) });
  }

  /** Calls as an admin and fails the test on any error. */
  async admin<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const r = await this.call<T>(query, variables, ['ADMIN']);
    if (r.errors?.length || !r.data) throw new Error(`unexpected errors: ${JSON.stringify(r.errors)}`);
    return r.data;
  }

  async venue(overrides: Record<string, unknown> = {}): Promise<{ id: string; name: string }> {
    const d = await this.admin<{ createVenue: { id: string; name: string } }>(
      `mutation($input: VenueInput!) { createVenue(input: $input) { id name } }`,
      { input: { name: 'Test Arena', city: 'Lyon', country: 'FR', timezone: 'Europe/Paris', capacity: 16000, ...overrides } },
    );
    return d.createVenue;
  }

  async event(venueId: string, overrides: Record<string, unknown> = {}): Promise<TestEvent> {
    const startsAt = new Date(Date.now() + 7 * 86_400_000);
    const d = await this.admin<{ createEvent: TestEvent }>(
      `mutation($input: EventInput!) { createEvent(input: $input) { id title sport status startsAt endsAt } }`,
      {
        input: {
          title: 'Lyon Lions vs Nantes Owls',
          sport: 'Basketball',
          homeTeam: 'Lyon Lions',
          awayTeam: 'Nantes Owls',
          venueId,
          startsAt: startsAt.toISOString(),
          endsAt: new Date(startsAt.getTime() + 2 * 3_600_000).toISOString(),
          ...overrides,
        },
      },
    );
    return d.createEvent;
  }

  async feed(eventId: string, overrides: Record<string, unknown> = {}): Promise<TestFeed> {
    const d = await this.admin<{ addFeed: TestFeed }>(
      `mutation($input: FeedInput!) { addFeed(input: $input) { id label projection isDefault preview } }`,
      { input: { eventId, label: `Seat ${uniqueName('s')}`, projection: 'EQUIRECT_MONO', ...overrides } },
    );
    return d.addFeed;
  }

  async setStatus(id: string, status: string): Promise<GqlResult<{ setEventStatus: { id: string; status: string } }>> {
    return this.call(`mutation($id: ID!, $s: EventStatus!) { setEventStatus(id: $id, status: $s) { id status } }`, { id, s: status }, ['ADMIN']);
  }

  selects(): number {
    return this.queries.filter((q) => /\bselect\b/i.test(q)).length;
  }
}

export interface TestEvent {
  id: string;
  title: string;
  sport: string;
  status: string;
  startsAt: string;
  endsAt: string;
}

export interface TestFeed {
  id: string;
  label: string;
  projection: string;
  isDefault: boolean;
  preview: boolean;
}

/** The first error's code and field, for compact assertions. */
export function failure(r: GqlResult<unknown>): { code?: string; field?: string } {
  const e = r.errors?.[0];
  return { code: e?.extensions?.code, field: e?.extensions?.field as string | undefined };
}
