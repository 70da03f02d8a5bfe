/**
 * The one way a subgraph starts and stops. A subgraph describes itself once, with
 * `defineSubgraph` (its name, entities, migrations, schema and what its requests
 * share); the kit opens its storage, builds its schema, serves it, starts the outbox
 * relay, checks its health and stops everything in order. `runService` is the whole
 * body of a subgraph's `src/index.ts`. (subgraphs/README.md)
 */
import type { Server } from 'node:http';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Express } from 'express';
import type { GraphQLSchema } from 'graphql';
import { KIT_ENTITIES, type BusTransport, type OutboxRelay } from './bus';
import { ConfigError, loadConfig, setting, type ConfigOf, type ConfigShape } from './config';
import type { DatabaseOptions } from './db';
import { createLogger, logProcessFailures, type Logger } from './logger';
import { startSubgraphServer, type RequestBase, type ServiceHandle, type SubgraphOptions } from './server';
import { openSubgraphStorage, type SubgraphStorage } from './storage';
import { flushTracing } from './tracing';

/** What a request's context starts from: the base every subgraph has and its own fork of the EntityManager. */
export interface RequestStart extends RequestBase {
  em: EntityManager;
}

/** What a subgraph adds to the kit's bootstrap; every part but `context` is optional. */
export interface SubgraphParts<C extends RequestBase, H extends object> {
  /** The request's context, from the base and a fresh EntityManager fork. */
  context(start: RequestStart): C;
  /** HTTP routes beside /graphql (webhooks, JWKS, internal endpoints). */
  routes?(app: Express): void;
  /** A WebSocket server on the same port (graphql-ws), given the schema and the context builder. */
  websocket?(server: Server, serve: { schema: GraphQLSchema; context(base: RequestBase): C }): { dispose(): Promise<void> | void };
  /** Runs once the service listens and its relay runs: background loops start here. */
  ready?(handle: ServiceHandle): void | Promise<void>;
  /** Runs first on stop, while the server still answers (timers, outgoing deliveries). */
  stopping?(): Promise<void>;
  /** Runs after the server closed, before the bus and the database close. Also runs when the start fails. */
  stopped?(): Promise<void>;
  /** What the service's handle carries beyond the kit's (read after `ready`). */
  expose?(handle: ServiceHandle): H;
}

export interface SubgraphDefinition<O extends SubgraphOptions, C extends RequestBase, H extends object> {
  /** The service's name: its logger, metrics, database schema and bus source. */
  name: string;
  /** The subgraph's MikroORM entities (the kit adds its outbox's). */
  entities: DatabaseOptions['entities'];
  migrations: DatabaseOptions['migrations'];
  /** Builds the federated schema (type-graphql's resolvers, `buildFederatedSchema`). */
  schema(): Promise<GraphQLSchema>;
  /** Builds what the subgraph's requests share, from its options and its opened storage. */
  setup(input: { options: O; storage: SubgraphStorage; logger: Logger }): SubgraphParts<C, H> | Promise<SubgraphParts<C, H>>;
}

/** A started subgraph: the kit's handle, its storage and what the subgraph exposes. */
export type SubgraphHandle<H extends object = object> = ServiceHandle & {
  orm: MikroORM;
  em: EntityManager;
  relay: OutboxRelay;
  transport: BusTransport;
} & H;

export interface Subgraph<O extends SubgraphOptions, H extends object> {
  name: string;
  /** Every entity the subgraph's database holds, the kit's included. */
  entities: NonNullable<DatabaseOptions['entities']>;
  start(options: O): Promise<SubgraphHandle<H>>;
}

export function defineSubgraph<O extends SubgraphOptions, C extends RequestBase, H extends object = object>(
  definition: SubgraphDefinition<O, C, H>,
): Subgraph<O, H> {
  const entities = [...(definition.entities ?? []), ...KIT_ENTITIES];
  async function start(options: O): Promise<SubgraphHandle<H>> {
    const logger = options.logger ?? createLogger(definition.name);
    const storage = await openSubgraphStorage(definition.name, options, { entities, migrations: definition.migrations, logger });
    let parts: SubgraphParts<C, H> | undefined;
    let handle: ServiceHandle;
    try {
      parts = await definition.setup({ options, storage, logger });
      const own = parts;
      const schema = await definition.schema();
      const context = (base: RequestBase): C => own.context({ ...base, em: storage.em.fork() });
      handle = await startSubgraphServer<C>({
        name: definition.name,
        port: options.port,
        host: options.host,
        schema,
        logger,
        principalSecret: options.principalSecret,
        exposeInternals: options.exposeInternals,
        inlineTrace: options.inlineTrace,
        context,
        routes: own.routes,
        websocket: own.websocket ? (server) => own.websocket!(server, { schema, context }) : undefined,
        health: async () => {
          await storage.em.getConnection().execute('select 1');
        },
        async onStop() {
          await own.stopped?.();
          await storage.close();
        },
      });
    } catch (e) {
      await parts?.stopped?.().catch(() => undefined);
      await storage.close().catch(() => undefined);
      throw e;
    }
    storage.relay.start();
    const own = parts;
    try {
      await own.ready?.(handle);
    } catch (e) {
      await handle.stop().catch(() => undefined);
      throw e;
    }
    let stopping: Promise<void> | undefined;
    return {
      ...handle,
      orm: storage.orm,
      em: storage.em,
      relay: storage.relay,
      transport: storage.transport,
      ...(own.expose?.(handle) as H),
      stop() {
        stopping ??= (async () => {
          await own.stopping?.();
          await handle.stop();
        })();
        return stopping;
      },
    };
  }
  return { name: definition.name, entities, start };
}

/** BUS_NAMESPACE: letters, digits, `_`, `-` and `.`, at most 100 (RabbitMQ allows 255 bytes for the whole queue name). */
export const busNamespaceSetting = setting.optionalString({
  pattern: /^[A-Za-z0-9_.-]{1,100}$/,
  shape: 'at most 100 letters, digits, "_", "-" or "."',
});

/** The environment every subgraph reads, with the port's variable and default its own. */
export function subgraphSettings(portVariable: string, defaultPort: number) {
  return {
    [portVariable]: setting.int({ default: defaultPort, min: 0, max: 65535 }),
    HOST: setting.string({ default: '127.0.0.1' }),
    PRINCIPAL_SECRET: setting.string({ minLength: 32 }),
    DATABASE_URL: setting.url({ optional: true, protocols: ['postgres', 'postgresql'] }),
    /** The PostgreSQL schema for the subgraph's tables (default: its name). */
    DATABASE_SCHEMA: setting.optionalString(),
    AMQP_URL: setting.url({ optional: true, protocols: ['amqp', 'amqps'] }),
    /** Starts the name of every bus queue: for a second platform, or a test run, on a shared broker (default: none). */
    BUS_NAMESPACE: busNamespaceSetting,
  } satisfies ConfigShape;
}

/**
 * A subgraph's configuration from the environment: the options every subgraph takes
 * (port, host, secret, database, bus; the embedded database's data in `.data/<name>`
 * when no DATABASE_URL is set) and the subgraph's own settings from `extra`.
 */
export function readSubgraphConfig<S extends ConfigShape>(
  name: string,
  port: { variable: string; default: number },
  extra: S,
  env: Record<string, string | undefined> = process.env,
): { options: SubgraphOptions; config: ConfigOf<S> } {
  const common = loadConfig(subgraphSettings(port.variable, port.default), env) as Record<string, unknown>;
  const config = loadConfig(extra, env);
  const databaseUrl = common.DATABASE_URL as string | undefined;
  return {
    options: {
      port: common[port.variable] as number,
      host: common.HOST as string,
      principalSecret: common.PRINCIPAL_SECRET as string,
      databaseUrl,
      databaseSchema: common.DATABASE_SCHEMA as string | undefined,
      embeddedDataDir: databaseUrl ? undefined : `.data/${name}`,
      amqpUrl: common.AMQP_URL as string | undefined,
      busNamespace: (common.BUS_NAMESPACE as string | undefined) ?? '',
      // Run alone, a service may start before the consumers of what it publishes.
      declareBusTopology: true,
    },
    config,
  };
}

/**
 * Runs a service as its own process: a logger that also reports the process's
 * failures, the service started by `launch` and stopped on SIGINT or SIGTERM (a signal
 * that arrives while it starts stops it once started). A configuration error ends the
 * process with its message (exit code 2), as does a failed start, with its error.
 */
export function runService(name: string, launch: (logger: Logger) => Promise<{ stop(): Promise<void> }>): void {
  const logger = createLogger(name);
  logProcessFailures(logger);
  const started = launch(logger);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () =>
      void started
        .then((handle) => handle.stop())
        // The last spans go out before the process ends.
        .then(() => flushTracing().catch((err: unknown) => logger.warn({ err }, 'could not send the last spans')))
        .then(() => process.exit(0), () => process.exit(2)),
    );
  }
  started.catch((e: unknown) => {
    if (e instanceof ConfigError) logger.fatal(e.message);
    else logger.fatal({ err: e }, `${name} failed to start`);
    process.exit(2);
  });
}
