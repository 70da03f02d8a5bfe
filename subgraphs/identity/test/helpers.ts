import { OutboxMessage, PRINCIPAL_HEADER, busTopology, signCaller, type BusMessage, type Principal, type RoleName } from '@frontrow/kit';
import {
  codeOf,
  gql,
  signIn,
  signUp,
  testEnv,
  testKv,
  testSecret,
  testTransport,
  uniqueName,
  type Account,
  type GqlAuth,
  type GqlReply,
  type Loose,
  type Session,
} from '@frontrow/kit/testing';
import { hashPassword } from '../src/crypto';
import { User } from '../src/entities/user.entity';
import { start, type IdentityHandle, type IdentityOptions } from '../src/server';

export { codeOf };
export type GqlResult<T = Loose> = GqlReply<T>;

/** Who a call pretends to be, as the gateway would sign it: a client address (203.0.113.7 unless said) and, optionally, a principal. */
export interface As {
  ip?: string;
  principal?: Principal | null;
}

/** The caller the gateway makes of a session's access token. */
export function asUser(session: Session, ip?: string): As {
  return { ip, principal: { kind: 'user', userId: session.user.id, roles: session.user.roles as RoleName[], scopes: [] } };
}

/** An identity instance of its own (schema, key prefix, queue) on a free port. */
export interface TestIdentity {
  handle: IdentityHandle;
  secret: string;
  /** What identity published on the bus (`identity.#`), in order of arrival. */
  bus: BusMessage[];
  call<T = Loose>(query: string, variables?: Record<string, unknown>, as?: As): Promise<GqlResult<T>>;
  /** The signed header of a call as `as`, for the shared test client. */
  signed(as?: As): Promise<GqlAuth>;
  /** A new account, signed up through identity as `as` (anonymous by default). */
  signUp(name?: string, as?: As): Promise<Account>;
  signIn(email: string, password: string, as?: As): Promise<Session>;
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
  // Identity's own consumer queue is this run's, not the production one on a shared broker.
  const busNamespace = `${uniqueName('idq')}_`;
  const bus: BusMessage[] = [];
  const handle = await start({
    port: 0,
    principalSecret: secret,
    databaseUrl: testEnv.databaseUrl,
    databaseSchema: uniqueName('identity'),
    dropSchemaOnStop: true,
    kv,
    transport,
    busNamespace,
    ...opts,
  });
  await transport.consume({ queue, bindings: ['identity.#'] }, async (m) => {
    bus.push(m);
  });
  // The gateway signs every call, an anonymous one too.
  const signed = async (as: As = {}): Promise<GqlAuth> => ({
    headers: { [PRINCIPAL_HEADER]: await signCaller({ principal: as.principal ?? null, clientIp: as.ip ?? '203.0.113.7' }, secret) },
  });
  return {
    handle,
    secret,
    bus,
    signed,
    async call<T>(query: string, variables: Record<string, unknown> = {}, as: As = {}) {
      return gql<T>(handle.url, query, variables, await signed(as));
    },
    async signUp(name = 'fan', as: As = {}) {
      return signUp(handle.url, name, { auth: await signed(as) });
    },
    async signIn(email: string, password: string, as: As = {}) {
      return signIn(handle.url, email, password, await signed(as));
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
      for (const q of busTopology(busNamespace)) await transport.deleteQueue(q.queue);
      await transport.close();
      await kv.close();
    },
  };
}

export function retryAfter(r: GqlResult<unknown>): number | undefined {
  return r.errors?.[0]?.extensions?.retryAfterSeconds as number | undefined;
}
