import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedDemoCatalog } from '@frontrow/commerce/src/seed';
import { start as startCommerce, type CommerceHandle } from '@frontrow/commerce/src/server';
import type { StorageSettings } from '@frontrow/creative/src/object-store';
import { start as startCreative, type CreativeHandle } from '@frontrow/creative/src/server';
import { demoEventIds } from '@frontrow/events/src/seed';
import { start as startEvents, type EventsHandle } from '@frontrow/events/src/server';
import { startGateway, type GatewayHandle, type GatewayOptions } from '@frontrow/gateway/src/server';
import { start as startIdentity, type IdentityHandle } from '@frontrow/identity/src/server';
import type { IdentitySettings } from '@frontrow/identity/src/context';
import {
  busTopology,
  createLogger,
  flushTracing,
  poolSettings,
  provisionSubgraphRole,
  startEmbeddedPostgres,
  type BusTransport,
  type EmbeddedPostgres,
  type KeyValueStore,
  type Logger,
  type ServiceHandle,
} from '@frontrow/kit';
import type { JanusSettings } from '@frontrow/media/src/janus-client';
import { start as startMedia, type MediaHandle } from '@frontrow/media/src/server';
import type { PresenceSettings } from '@frontrow/presence/src/context';
import { start as startPresence, type PresenceHandle } from '@frontrow/presence/src/server';
import type { TelemetrySettings } from '@frontrow/telemetry/src/context';
import { start as startTelemetry, type TelemetryHandle } from '@frontrow/telemetry/src/server';
import { startVr, type VrHandle } from '@frontrow/vr/src/serve';
import { startWeb, type WebHandle } from '@frontrow/web/src/serve';
import { startAdmin, type AdminHandle } from '@frontrow/admin/src/serve';

export const ROOT = join(__dirname, '..', '..');
export const SUBGRAPHS = ['identity', 'events', 'media', 'commerce', 'creative', 'presence', 'telemetry'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];

/**
 * The durable bus queues of a platform whose schema prefix is this (its bus namespace):
 * what a run with a prefix of its own deletes afterwards.
 */
export function platformQueues(schemaPrefix: string): string[] {
  return busTopology(schemaPrefix).map((q) => q.queue);
}

export interface PlatformOptions {
  host?: string;
  /** 0 picks a free port. */
  gatewayPort: number;
  /** The web client's port; false serves no web client. */
  webPort?: number | false;
  /** The VR client's port (3001 in `npm start`); false or absent serves no VR client. */
  vrPort?: number | false;
  /** Where the VR client sends fans to buy passes and approve pairing codes (PUBLIC_WEB_URL; default: the web client served here). */
  publicWebUrl?: string;
  /** The admin dashboard's port; false (the default) serves none. */
  adminPort?: number | false;
  /** Ports by subgraph (default: the supergraph's routing URLs; 0 for free ports). */
  ports?: Partial<Record<SubgraphName, number>>;
  principalSecret: string;
  /** The secret the payment provider signs commerce's webhooks with. */
  paymentsWebhookSecret: string;
  /**
   * Real Postgres; absent starts one embedded PostgreSQL for the whole platform, with a
   * login role and a schema per subgraph, stopped with the platform.
   */
  databaseUrl?: string;
  /** Schema names are `<prefix><subgraph>` (tests give each run its own prefix). */
  schemaPrefix?: string;
  /** Starts the name of every bus queue (BUS_NAMESPACE; default: the schema prefix, or none). */
  busNamespace?: string;
  /** Embedded mode: the embedded PostgreSQL's files are in `<root>/postgres` (absent: a temporary folder). */
  embeddedDataRoot?: string;
  /** Embedded mode: the embedded PostgreSQL's port (absent or 0: a free one). */
  embeddedPostgresPort?: number;
  kv: KeyValueStore;
  transport: BusTransport;
  janus?: JanusSettings;
  /** The Janus API URL given to viewers, when it differs from the control plane's. */
  janusPublicUrl?: string;
  rtpHost?: string;
  seedAdmin?: { email: string; password: string };
  seedDemo?: boolean;
  dropSchemasOnStop?: boolean;
  supergraphSdl?: string;
  identitySettings?: Partial<IdentitySettings>;
  gateway?: Partial<GatewayOptions>;
  presenceSettings?: Partial<PresenceSettings>;
  telemetrySettings?: Partial<TelemetrySettings>;
  /** With the demo data: pretend viewers on the demo's live game, so QoS charts move (0 or absent: none). */
  syntheticViewers?: number;
  /**
   * Creative's object storage (S3_ENDPOINT and the rest); absent: creative serves it
   * itself, from `<embeddedDataRoot>/objects` (or a temporary folder).
   */
  storage?: StorageSettings;
  /** Where the public reaches the gateway (PUBLIC_GATEWAY_URL): the base of signed download links. */
  publicGatewayUrl?: string;
  /** How often media reconciles its live ingests with Janus, in ms. */
  mediaReconcileIntervalMs?: number;
  /** Media grants' lifetime (tests shorten it). */
  grantTtlSeconds?: number;
  logger?: Logger;
}

export interface Platform {
  gateway: GatewayHandle;
  web?: WebHandle;
  vr?: VrHandle;
  admin?: AdminHandle;
  services: {
    identity: IdentityHandle;
    events: EventsHandle;
    media: MediaHandle;
    commerce: CommerceHandle;
    creative: CreativeHandle;
    presence: PresenceHandle;
    telemetry: TelemetryHandle;
  };
  /** The embedded PostgreSQL, when the platform started one. */
  database?: EmbeddedPostgres;
  stop(): Promise<void>;
}

/** The routing ports that supergraph.yaml names, by subgraph. */
export function defaultPorts(): Record<string, number> {
  const yaml = readFileSync(join(ROOT, 'supergraph.yaml'), 'utf8');
  const out: Record<string, number> = {};
  for (const m of yaml.matchAll(/^ {2}(\w+):\n {4}routing_url: http:\/\/[^:]+:(\d+)\//gm)) out[m[1]] = Number(m[2]);
  return out;
}

/**
 * Starts every subgraph, the gateway in front of them, the web client and the admin dashboard, in this
 * process, sharing one key-value store and one bus transport (the in-process
 * stand-ins need that; with Redis and RabbitMQ it is simply economical).
 */
export async function launchPlatform(opts: PlatformOptions): Promise<Platform> {
  const logger = opts.logger ?? createLogger('frontrow');
  const ports = { ...defaultPorts(), ...opts.ports } as Record<SubgraphName, number>;
  const began = Date.now();
  const since = () => Date.now() - began;
  let database: EmbeddedPostgres | undefined;
  const databaseUrls: Partial<Record<SubgraphName, string>> = {};
  const schemaOf = (name: SubgraphName) => (opts.schemaPrefix ? `${opts.schemaPrefix}${name}` : undefined);
  if (!opts.databaseUrl) {
    const dataDir = opts.embeddedDataRoot ? join(opts.embeddedDataRoot, 'postgres') : undefined;
    logger.info(
      { step: 'database', dataDir: dataDir ?? 'temporary' },
      'DATABASE_URL is not set: starting the embedded PostgreSQL, a stand-in for the quick start only (set DATABASE_URL for a real server)',
    );
    database = await startEmbeddedPostgres({
      dataDir,
      port: opts.embeddedPostgresPort,
      // Room for every subgraph's full pool and more: a server out of connection slots
      // refuses new ones, which clients would see as SERVICE_UNAVAILABLE.
      maxConnections: Math.max(200, SUBGRAPHS.length * poolSettings().poolSize + 50),
      logger: createLogger('postgres'),
      onPhase: (phase) =>
        logger.info(
          { step: 'database', phase, ms: since() },
          phase === 'initialising' ? 'embedded PostgreSQL: initialising a new cluster (first start only)' : 'embedded PostgreSQL: starting the server',
        ),
    });
    try {
      for (const name of SUBGRAPHS) {
        const schema = schemaOf(name) ?? name;
        databaseUrls[name] = await provisionSubgraphRole(database.url, { database: 'frontrow', role: schema, schema });
      }
    } catch (e) {
      await database.stop();
      throw e;
    }
    logger.info(
      { step: 'database', port: database.port, dataDir: database.dataDir, ms: since() },
      `embedded PostgreSQL ready on 127.0.0.1:${database.port}: a login role and a schema for each of ${SUBGRAPHS.length} subgraphs`,
    );
  }
  const common = (name: SubgraphName) => ({
    host: opts.host,
    port: ports[name] ?? 0,
    principalSecret: opts.principalSecret,
    databaseUrl: opts.databaseUrl ?? databaseUrls[name],
    databaseSchema: schemaOf(name),
    transport: opts.transport,
    // Queue names follow the schemas' prefix unless a namespace is given; every service
    // declares the platform's queues before it first publishes, as they start together in any order.
    busNamespace: opts.busNamespace ?? opts.schemaPrefix ?? '',
    declareBusTopology: true,
    dropSchemaOnStop: opts.dropSchemasOnStop,
    // Each service logs under its own name (a child logger would repeat the `service` key).
    logger: createLogger(name),
  });
  const started: ServiceHandle[] = [];
  let gatewayBase: string | undefined;
  const total = SUBGRAPHS.length + 1;
  const track =
    (name: string) =>
    <T extends ServiceHandle>(h: T): T => {
      started.push(h);
      logger.info({ step: 'services', ready: name, count: started.length, of: total, ms: since() }, `${name} ready (${started.length}/${total})`);
      return h;
    };
  const stopAll = async () => {
    for (const h of [...started].reverse()) await h.stop().catch((err: unknown) => logger.error({ err }, 'a service failed to stop'));
    await database?.stop();
  };
  try {
    logger.info({ step: 'services', ms: since() }, `starting ${SUBGRAPHS.length} subgraphs (migrations first), then the gateway`);
    // The subgraphs do not depend on one another to start: start them together.
    const [identity, events, media, commerce, creative, presence, telemetry] = await Promise.all([
      startIdentity({
        ...common('identity'),
        kv: opts.kv,
        seedAdmin: opts.seedAdmin,
        settings: opts.identitySettings,
      }).then(track('identity')),
      startEvents({ ...common('events'), seedDemo: opts.seedDemo }).then(track('events')),
      startMedia({
        ...common('media'),
        janus: opts.janus,
        ...(opts.mediaReconcileIntervalMs ? { reconcile: { intervalMs: opts.mediaReconcileIntervalMs } } : {}),
        settings: {
          ...(opts.janusPublicUrl ? { publicJanusUrl: opts.janusPublicUrl } : {}),
          ...(opts.rtpHost ? { rtpHost: opts.rtpHost } : {}),
          ...(opts.grantTtlSeconds ? { grantTtlSeconds: opts.grantTtlSeconds } : {}),
        },
      }).then(track('media')),
      startCommerce({
        ...common('commerce'),
        kv: opts.kv,
        paymentsWebhookSecret: opts.paymentsWebhookSecret,
        // Export links point at the gateway, which starts after the subgraphs.
        publicGatewayUrl: () => opts.publicGatewayUrl ?? gatewayBase,
      }).then(track('commerce')),
      startCreative({
        ...common('creative'),
        kv: opts.kv,
        storage: opts.storage,
        embeddedStorageDir: opts.storage || !opts.embeddedDataRoot ? undefined : join(opts.embeddedDataRoot, 'objects'),
      }).then(track('creative')),
      startPresence({ ...common('presence'), kv: opts.kv, settings: opts.presenceSettings }).then(track('presence')),
      startTelemetry({
        ...common('telemetry'),
        kv: opts.kv,
        settings: opts.telemetrySettings,
        syntheticViewers: opts.seedDemo && opts.syntheticViewers ? { eventId: demoEventIds()[0], viewers: opts.syntheticViewers } : undefined,
      }).then(track('telemetry')),
    ]);
    const services = { identity, events, media, commerce, creative, presence, telemetry };
    if (opts.seedDemo) {
      logger.info({ step: 'seed', ms: since() }, 'seeding the demo catalog');
      const products = await seedDemoCatalog(commerce.em, demoEventIds());
      if (products) logger.info({ step: 'seed', products, ms: since() }, 'seeded the demo catalog');
      await untilMediaKnowsFeeds(events, media, logger);
    }
    const gateway = track('gateway')(
      await startGateway({
        port: opts.gatewayPort,
        host: opts.host,
        supergraphSdl: opts.supergraphSdl ?? readFileSync(join(ROOT, 'supergraph.graphql'), 'utf8'),
        principalSecret: opts.principalSecret,
        subgraphUrls: Object.fromEntries(Object.entries(services).map(([n, h]) => [n, h.url])),
        kv: opts.kv,
        logger: createLogger('gateway'),
        ...opts.gateway,
      }),
    );
    gatewayBase = gateway.url.replace(/\/graphql$/, '');
    if (opts.seedDemo && opts.seedAdmin) await seedDemoCreative(gateway.url, creative, opts.seedAdmin, logger, since);
    const web = opts.webPort === false ? undefined : await startWeb({ port: opts.webPort ?? 0, host: opts.host, gatewayUrl: gateway.url });
    const vr =
      opts.vrPort === false || opts.vrPort === undefined
        ? undefined
        : await startVr({ port: opts.vrPort, host: opts.host, gatewayUrl: gateway.url, webUrl: opts.publicWebUrl ?? web?.url ?? 'http://localhost:3000' }).catch(async (e: unknown) => {
            await web?.stop();
            throw e;
          });
    let admin: AdminHandle | undefined;
    try {
      admin = opts.adminPort === undefined || opts.adminPort === false ? undefined : await startAdmin({ port: opts.adminPort, host: opts.host, gatewayUrl: gateway.url });
    } catch (e) {
      await vr?.stop();
      await web?.stop();
      throw e;
    }
    logger.info({ step: 'ready', ms: since() }, `the platform is ready in ${(since() / 1000).toFixed(1)}s`);
    let stopping: Promise<void> | undefined;
    return {
      gateway,
      web,
      vr,
      admin,
      services,
      database,
      stop() {
        stopping ??= (async () => {
          await vr?.stop();
          await admin?.stop();
          await web?.stop();
          await stopAll();
          await flushTracing().catch((err: unknown) => logger.warn({ err }, 'could not send the last spans'));
        })();
        return stopping;
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/**
 * The demo sponsor (owned by the demo admin, whose id the graph tells) with two approved
 * generated images on the demo games' jumbotrons and boards.
 */
/**
 * The demo's feeds reach media as bus events from events' outbox. A fan may press Watch
 * the moment the platform is ready, so it is ready once media knows every feed (media
 * answers an unknown feed with "This feed does not exist"). Bounded: a bus that does not
 * deliver is logged, not waited on for ever.
 */
async function untilMediaKnowsFeeds(events: EventsHandle, media: MediaHandle, logger: Logger): Promise<void> {
  const count = async (service: EventsHandle | MediaHandle, table: string): Promise<number> => {
    const rows = await service.em.fork().getConnection().execute<Array<{ n: string | number }>>(`select count(*) as n from ${table}`);
    return Number(rows[0]?.n ?? 0);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [feeds, known] = await Promise.all([count(events, 'feed'), count(media, 'feed_info')]);
    if (known >= feeds) return;
    if (Date.now() > deadline) {
      logger.warn({ feeds, known }, 'media does not know every demo feed after 30 s; starting without waiting longer');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function seedDemoCreative(
  gatewayUrl: string,
  creative: CreativeHandle,
  admin: { email: string; password: string },
  logger: Logger,
  since: () => number,
): Promise<void> {
  const res = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation($i: SignInInput!) { signIn(input: $i) { user { id } } }', variables: { i: admin } }),
  });
  const body = (await res.json()) as { data?: { signIn?: { user: { id: string } } }; errors?: unknown };
  const ownerId = body.data?.signIn?.user.id;
  if (!ownerId) throw new Error(`seeding the demo sponsor: the demo admin could not sign in: ${JSON.stringify(body.errors)}`);
  const seeded = await creative.seedDemo({ ownerId, eventIds: demoEventIds() });
  if (seeded.created) logger.info({ step: 'seed', placements: seeded.placements, ms: since() }, 'seeded the demo sponsor and its boards');
}
