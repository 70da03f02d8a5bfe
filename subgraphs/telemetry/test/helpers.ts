import { randomUUID } from 'node:crypto';
import { PRINCIPAL_HEADER, busTopology, signCaller, type Principal, type RoleName } from '@frontrow/kit';
import { testEnv, testSecret, testTransport, uniqueName } from '@frontrow/kit/testing';
import { start, type TelemetryHandle, type TelemetryOptions } from '../src/server';

export interface GqlError {
  message: string;
  extensions?: { code?: string; field?: string; [k: string]: unknown };
}
export interface GqlResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: GqlError[];
}

/** Who calls: a principal (signed as the gateway signs it), or an anonymous caller. */
export type As = Principal | null;

export function user(roles: RoleName[] = ['FAN'], userId: string = randomUUID()): Principal {
  return { kind: 'user', userId, roles, scopes: [] };
}

export function apiKey(scopes: string[], roles: RoleName[] = ['DEVELOPER'], userId: string = randomUUID()): Principal {
  return { kind: 'apiKey', userId, roles, scopes, apiKeyId: randomUUID() };
}

/** One telemetry subgraph on a free port, in its own schema, with its own bus. */
export class Harness {
  readonly secret = testSecret();
  readonly transport = testTransport();
  readonly schema = uniqueName('telemetry');
  handle!: TelemetryHandle;

  /** The bus queues are this run's own (`<namespace>telemetry.audit`, …), deleted by stop(). */
  private busNamespace = `${uniqueName('tqueues')}_`;

  async start(extra: Partial<TelemetryOptions> = {}): Promise<this> {
    if (extra.busNamespace) this.busNamespace = extra.busNamespace;
    this.handle = await start({
      busNamespace: this.busNamespace,
      port: 0,
      principalSecret: this.secret,
      databaseUrl: testEnv.databaseUrl,
      databaseSchema: this.schema,
      dropSchemaOnStop: true,
      transport: this.transport,
      ...extra,
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
    for (const { queue } of busTopology(this.busNamespace)) await this.transport.deleteQueue(queue).catch(() => undefined);
    await this.transport.close();
  }

  async call<T = Record<string, unknown>>(query: string, variables: Record<string, unknown>, as: As): Promise<GqlResult<T>> {
    const header = await signCaller({ principal: as, clientIp: '203.0.113.9' }, this.secret);
    const res = await fetch(this.handle.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [PRINCIPAL_HEADER]: header },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GqlResult<T>;
  }

  record(events: unknown[], as: As): Promise<GqlResult<{ recordTelemetry: { accepted: number; rejected: number } }>> {
    return this.call(RECORD, { events }, as);
  }

  async sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return this.handle.em.getConnection().execute<T[]>(text, params);
  }
}

export const RECORD = `mutation($events: [TelemetryEventInput!]!) { recordTelemetry(events: $events) { accepted rejected } }`;

export function code(r: GqlResult<unknown>): string | undefined {
  return r.errors?.[0]?.extensions?.code;
}

export function ok<T>(r: GqlResult<T>): T {
  if (r.errors?.length || !r.data) throw new Error(`unexpected errors: ${JSON.stringify(r.errors)}`);
  return r.data;
}

/** A heartbeat of a session, `agoMs` ago. */
export function heartbeat(eventId: string, sessionId: string, agoMs = 1000): Record<string, unknown> {
  return { kind: 'HEARTBEAT', eventId, sessionId, at: new Date(Date.now() - agoMs).toISOString() };
}
