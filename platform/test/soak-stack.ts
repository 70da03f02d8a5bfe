/**
 * One platform for the soak (soak.test.ts), in a process of its own as `npm start` runs
 * it: every service and the gateway in this process, on free ports.
 *
 * - SOAK_STACK=embedded: the quick start's stack, an embedded PostgreSQL of its own and
 *   the in-process stand-ins for Redis and the bus.
 * - SOAK_STACK=servers: the servers of SOAK_DATABASE_URL (a database of the test's own),
 *   REDIS_URL and AMQP_URL (a stand-in for either when unset), with a key and queue
 *   prefix of its own.
 *
 * It answers the test over IPC: `sample` measures this process and what it holds open
 * (after a full garbage collection when Node runs with --expose-gc), `stop` ends it.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createKeyValueStore, createLogger, createTransport, logProcessFailures } from '@frontrow/kit';
import { Client } from 'pg';
import { launchPlatform, platformQueues, type Platform } from '../src/launch';

export interface SoakStackReady {
  type: 'ready';
  gatewayUrl: string;
  admin: { email: string; password: string };
  backing: string;
}

export interface SoakSample {
  type: 'sample';
  at: number;
  rssMb: number;
  /** The V8 heap in use, after a full collection. */
  heapMb: number;
  /** Node's active handles and requests (sockets, timers, servers...), by kind. */
  handles: Record<string, number>;
  /** Connections to the platform's database, other than this sampler's. */
  dbConnections: number;
  /** Messages waiting in the platform's queues (and their dead-letter queues). */
  queueDepth: number;
  deadLetters: number;
  /** Events written to an outbox and not yet published. */
  outboxBacklog: number;
  /** CPU time this process has used so far (user and system, ms). */
  cpuMs: number;
}

export type SoakStackMessage = SoakStackReady | SoakSample | { type: 'stopped' };

const logger = createLogger('soak-stack');
logProcessFailures(logger);

async function main(): Promise<void> {
  const kind = process.env.SOAK_STACK;
  if (kind !== 'embedded' && kind !== 'servers') throw new Error('SOAK_STACK must be embedded or servers');
  const servers = kind === 'servers';
  const prefix = `soak${randomBytes(4).toString('hex')}_`;
  const redisUrl = servers ? process.env.REDIS_URL : undefined;
  const amqpUrl = servers ? process.env.AMQP_URL : undefined;
  const databaseUrl = servers ? process.env.SOAK_DATABASE_URL : undefined;
  if (servers && !databaseUrl) throw new Error('SOAK_DATABASE_URL is required with SOAK_STACK=servers');
  const kv = createKeyValueStore(redisUrl, logger, `${prefix}:`);
  // On the real broker, exchanges of its own too: the suites running beside it publish on production's.
  const transport = createTransport(amqpUrl, logger, `frontrow-${prefix}`, servers ? prefix : '');
  const admin = { email: `admin@${prefix.slice(0, -1)}.example`, password: randomBytes(12).toString('base64url') };
  const platform: Platform = await launchPlatform({
    gatewayPort: 0,
    webPort: false,
    ports: { identity: 0, events: 0, media: 0, commerce: 0, creative: 0, presence: 0, telemetry: 0 },
    principalSecret: randomBytes(32).toString('base64url'),
    paymentsWebhookSecret: randomBytes(32).toString('base64url'),
    databaseUrl,
    schemaPrefix: servers ? prefix : undefined,
    dropSchemasOnStop: servers,
    kv,
    transport,
    seedAdmin: admin,
    seedDemo: true,
    // Visitors come through a proxy, each from an address of their own (X-Forwarded-For),
    // as a production deployment's load balancer would send them.
    gateway: { trustProxy: 1 },
    logger,
  });

  const databaseOfPlatform = servers ? (databaseUrl as string) : withDatabase(platform.database!.url, 'frontrow');
  const db = new Client({ connectionString: databaseOfPlatform, application_name: 'soak-sampler' });
  await db.connect();
  const queues = platformQueues(servers ? prefix : '');

  const sample = async (): Promise<SoakSample> => {
    (globalThis as { gc?: () => void }).gc?.();
    const handles: Record<string, number> = {};
    for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1;
    const connections = await db.query<{ n: string }>(
      `select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`,
    );
    const outboxes = await db.query<{ table_schema: string }>(`select table_schema from information_schema.tables where table_name = 'outbox_message'`);
    let outboxBacklog = 0;
    for (const { table_schema } of outboxes.rows) {
      const r = await db.query<{ n: string }>(`select count(*) as n from "${table_schema}".outbox_message where sent_at is null`);
      outboxBacklog += Number(r.rows[0].n);
    }
    let queueDepth = 0;
    let deadLetters = 0;
    for (const q of queues) {
      queueDepth += await transport.depth(q);
      deadLetters += await transport.depth(`${q}.dlq`);
    }
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    return {
      type: 'sample',
      at: Date.now(),
      rssMb: mem.rss / 2 ** 20,
      heapMb: mem.heapUsed / 2 ** 20,
      handles,
      dbConnections: Number(connections.rows[0].n),
      queueDepth,
      deadLetters,
      outboxBacklog,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  };

  const send = (m: SoakStackMessage) => process.send?.(m);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await db.end().catch(() => undefined);
      await platform.stop();
      if (servers) for (const q of queues) await transport.deleteQueue(q).catch(() => undefined);
      if (servers) await transport.deleteExchanges().catch(() => undefined);
      await transport.close();
      await kv.close();
    })());
  process.on('message', (m: { type: string }) => {
    if (m.type === 'sample') {
      sample().then(send, (err) => logger.error({ err }, 'sampling failed'));
    } else if (m.type === 'stop') {
      void stop().then(() => {
        send({ type: 'stopped' });
        process.disconnect?.();
      });
    }
  });
  // The test went away without asking: stop all the same (the embedded PostgreSQL too).
  process.once('disconnect', () => void stop().then(() => process.exit(0)));
  send({
    type: 'ready',
    gatewayUrl: platform.gateway.url,
    admin,
    backing: [
      servers ? 'PostgreSQL (a database of its own)' : 'embedded PostgreSQL',
      redisUrl ? 'Redis' : 'in-process key-value stand-in',
      amqpUrl ? 'RabbitMQ' : 'in-process bus stand-in',
    ].join(', '),
  });
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

main().catch((err) => {
  logger.error({ err }, 'the soak stack could not start');
  process.exit(1);
});
