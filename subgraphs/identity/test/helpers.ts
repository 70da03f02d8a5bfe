import { OutboxMessage, PRINCIPAL_HEADER, signCaller, type BusMessage, type Principal } from '@frontrow/kit';
import { testEnv, testKv, testSecret, testTransport, uniqueName } from '@frontrow/kit/testing';
import { hashPassword } from '../src/crypto';
import { User } from '../src/entities/user.entity';
import { start, type IdentityHandle, type IdentityOptions } from '../src/server';

export interface GqlResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> & { code?: string; retryAfterSeconds?: number; field?: string } }>;
}

/** Who a call pretends to be, as the gateway would sign it: a client address and, optionally, a principal. */
export interface As {
  ip?: string;
  principal?: Principal | null;
}

/** An identity instance of its own (schema, key prefix, queue) on a free port. */
export interface TestIdentity {
  handle: IdentityHandle;
  secret: string;
  /** What identity published on the bus (`identity.#`), in order of arrival. */
  bus: BusMessage[];
  call<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, as?: As): Promise<GqlResult<T>>;
  /** A user whose password is PASSWORD. */
  makeUser(roles?: string[]): Promise<User>;
  /** The audit records the outbox holds for this action and target. */
  audits(action: string, targetId: string): Promise<Array<{ actorId: unknown; action: string; targetId: string; details: Record<string, unknown> }>>;
  stop(): Promise<void>;
}

export const PASSWORD = 'the right password';
let passwordHash: Promise<string> | undefined;

export async function startTestIdentity(opts: Partial<IdentityOptions> = {}): Promise<TestIdentity> {
  const secret = testSecret();
  const kv = testKv();
  const transport = testTransport();
  const queue = uniqueName('identity_test');
  const bus: BusMessage[] = [];
  const handle = await start({
    port: 0,
    principalSecret: secret,
    databaseUrl: testEnv.databaseUrl,
    databaseSchema: uniqueName('identity'),
    dropSchemaOnStop: true,
    kv,
    transport,
    ...opts,
  });
  await transport.consume({ queue, bindings: ['identity.#'] }, async (m) => {
    bus.push(m);
  });
  return {
    handle,
    secret,
    bus,
    async call<T>(query: string, variables: Record<string, unknown> = {}, as: As = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (as.ip !== undefined || as.principal) {
        headers[PRINCIPAL_HEADER] = await signCaller({ principal: as.principal ?? null, clientIp: as.ip }, secret);
      }
      const res = await fetch(handle.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return (await res.json()) as GqlResult<T>;
    },
    async makeUser(roles = ['FAN']) {
      const em = handle.em.fork();
      passwordHash ??= hashPassword(PASSWORD);
      const user = em.create(User, {
        email: `${uniqueName('u')}@example.com`,
        passwordHash: await passwordHash,
        displayName: 'someone',
        roles: roles as User['roles'],
      });
      await em.flush();
      return user;
    },
    async audits(action: string, targetId: string) {
      const rows = await handle.em.fork().find(OutboxMessage, { type: 'identity.audit.recorded' });
      type Audit = { actorId: unknown; action: string; targetId: string; details: Record<string, unknown> };
      return rows.map((r) => r.payload as Audit).filter((p) => p.action === action && p.targetId === targetId);
    },
    async stop() {
      await handle.stop();
      await transport.deleteQueue(queue);
      await transport.close();
      await kv.close();
    },
  };
}

export function codeOf(r: GqlResult<unknown>): string | undefined {
  return r.errors?.[0]?.extensions?.code;
}

export function retryAfter(r: GqlResult<unknown>): number | undefined {
  return r.errors?.[0]?.extensions?.retryAfterSeconds;
}
