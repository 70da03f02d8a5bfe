import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { busTopology, createLogger, createTransport, freePort, type BusTransport, type KeyValueStore } from '@frontrow/kit';
import { eventually, testEnv, uniqueName } from '@frontrow/kit/testing';
import { start as startIdentity, type IdentityHandle } from '@frontrow/identity/src/server';
import { ROOT } from '../src/launch';

/** A service of FrontRow run as its own Node process, as in production. */
export class ServiceProcess {
  private child?: ChildProcess;
  private output = '';

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: Record<string, string>,
    readonly port: number,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  /** The value of one metric of its /metrics (the first series of that name), or NaN. */
  async metric(name: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.port}/metrics`)).text();
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  }

  /** Starts it and waits until /health answers. */
  async start(): Promise<this> {
    this.output = '';
    // SERVICE_NODE_ARGS adds Node flags to every service process (e.g. --cpu-prof to profile one).
    const extra = process.env.SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...extra, '-r', '@frontrow/register', join(ROOT, this.entry)], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`${this.name} exited with ${code} before it was ready:\n${this.output}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([
      eventually(async () => (await fetch(`http://127.0.0.1:${this.port}/health`).catch(() => null))?.ok || undefined, 60_000, 100),
      exited,
    ]);
    return this;
  }

  /** Ends it: SIGTERM lets it shut down cleanly, SIGKILL is a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * A gateway process in front of the given subgraphs (name → GraphQL URL), verifying
 * tokens with identity at `identityUrl`; `env` adds or overrides settings. Not started.
 */
export async function gatewayProcess(
  name: string,
  opts: { secret: string; identityUrl: string; subgraphs: Record<string, string>; env?: Record<string, string> },
): Promise<ServiceProcess> {
  const port = await freePort();
  const env: Record<string, string> = { PORT: String(port), PRINCIPAL_SECRET: opts.secret, IDENTITY_URL: new URL(opts.identityUrl).origin };
  for (const [subgraph, url] of Object.entries(opts.subgraphs)) env[`SUBGRAPH_URL_${subgraph.toUpperCase()}`] = url;
  return new ServiceProcess(name, 'gateway/src/index.ts', { ...env, ...opts.env }, port);
}

/**
 * A presence process on its own schema of `databaseUrl`; `env` adds settings (REDIS_URL, AMQP_URL...). Not started.
 * With a broker, the platform's queues it declares are named in the schema's namespace
 * (`busNamespaceOf`), not production's: `deleteBusQueues` removes them afterwards.
 */
export async function presenceProcess(
  name: string,
  opts: { secret: string; databaseUrl: string; schema: string; env?: Record<string, string> },
): Promise<ServiceProcess> {
  const port = await freePort();
  return new ServiceProcess(
    name,
    'subgraphs/presence/src/index.ts',
    {
      PRESENCE_PORT: String(port),
      PRINCIPAL_SECRET: opts.secret,
      DATABASE_URL: opts.databaseUrl,
      DATABASE_SCHEMA: opts.schema,
      BUS_NAMESPACE: busNamespaceOf(opts.schema),
      ...opts.env,
    },
    port,
  );
}

/** The bus namespace of the service processes on this schema. */
export const busNamespaceOf = (schema: string): string => `${schema}_`;

/**
 * Deletes what a namespace's services declared on the broker: the platform's queues, their
 * dead-letter queues, and the namespace's exchanges (with a connection of its own, on them).
 */
export async function deleteBusQueues(transport: BusTransport, namespace: string): Promise<void> {
  for (const { queue } of busTopology(namespace)) await transport.deleteQueue(queue).catch(() => undefined);
  if (!testEnv.amqpUrl) return;
  const own = createTransport(testEnv.amqpUrl, createLogger('test-bus-cleanup'), 'test-bus-cleanup', namespace);
  await own.deleteExchanges().catch(() => undefined);
  await own.close();
}

/**
 * Identity in the test's process, on a schema of its own (named from `schema`, dropped at
 * stop), for the suites whose other services run as processes.
 */
export async function identityFor(schema: string, opts: { secret: string; kv: KeyValueStore; transport: BusTransport }): Promise<IdentityHandle> {
  const databaseSchema = uniqueName(schema);
  // Its consumer's queue is in a namespace of its own, deleted at stop.
  const namespace = busNamespaceOf(databaseSchema);
  const identity = await startIdentity({
    port: 0,
    principalSecret: opts.secret,
    databaseUrl: testEnv.databaseUrl,
    databaseSchema,
    dropSchemaOnStop: true,
    kv: opts.kv,
    transport: opts.transport,
    busNamespace: namespace,
  });
  const stop = identity.stop.bind(identity);
  return Object.assign(identity, {
    async stop() {
      await stop();
      await deleteBusQueues(opts.transport, namespace);
    },
  });
}

/** Runs `f` on every item, at most `size` at a time. */
export async function inBatches<T>(items: T[], size: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await f(items[next++]);
    }),
  );
}
