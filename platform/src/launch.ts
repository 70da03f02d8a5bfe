import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedDemoCatalog } from '@frontrow/commerce/src/seed';
import { start as startCommerce, type CommerceHandle } from '@frontrow/commerce/src/server';
import { demoEventIds } from '@frontrow/events/src/seed';
import { start as startEvents, type EventsHandle } from '@frontrow/events/src/server';
import { startGateway, type GatewayHandle, type GatewayOptions } from '@frontrow/gateway/src/server';
import { start as startIdentity, type IdentityHandle } from '@frontrow/identity/src/server';
import type { IdentitySettings } from '@frontrow/identity/src/context';
import { createLogger, type BusTransport, type KeyValueStore, type Logger, type ServiceHandle } from '@frontrow/kit';
import type { JanusSettings } from '@frontrow/media/src/janus-client';
import { start as startMedia, type MediaHandle } from '@frontrow/media/src/server';
import type { PresenceSettings } from '@frontrow/presence/src/context';
import { start as startPresence, type PresenceHandle } from '@frontrow/presence/src/server';
import { startWeb, type WebHandle } from '@frontrow/web/src/serve';

export const ROOT = join(__dirname, '..', '..');
export const SUBGRAPHS = ['identity', 'events', 'media', 'commerce', 'presence'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];

export interface PlatformOptions {
  host?: string;
  /** 0 picks a free port. */
  gatewayPort: number;
  /** The web client's port; false serves no web client. */
  webPort?: number | false;
  /** Ports by subgraph (default: the supergraph's routing URLs; 0 for free ports). */
  ports?: Partial<Record<SubgraphName, number>>;
  principalSecret: string;
  /** The secret the payment provider signs commerce's webhooks with. */
  paymentsWebhookSecret: string;
  /** Real Postgres; absent runs each subgraph on its own embedded PGlite. */
  databaseUrl?: string;
  /** Schema names are `<prefix><subgraph>` (tests give each run its own prefix). */
  schemaPrefix?: string;
  /** Embedded mode: where the PGlite files live (absent keeps them in memory). */
  embeddedDataRoot?: string;
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
  /** Where the public reaches the gateway (PUBLIC_GATEWAY_URL): the base of signed download links. */
  publicGatewayUrl?: string;
  /** Media grants' lifetime (tests shorten it). */
  grantTtlSeconds?: number;
  logger?: Logger;
}

export interface Platform {
  gateway: GatewayHandle;
  web?: WebHandle;
  services: { identity: IdentityHandle; events: EventsHandle; media: MediaHandle; commerce: CommerceHandle; presence: PresenceHandle };
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
 * Starts every subgraph, the gateway in front of them and the web client, in this
 * process, sharing one key-value store and one bus transport (the in-process
 * stand-ins need that; with Redis and RabbitMQ it is simply economical).
 */
export async function launchPlatform(opts: PlatformOptions): Promise<Platform> {
  const logger = opts.logger ?? createLogger('frontrow');
  const ports = { ...defaultPorts(), ...opts.ports } as Record<SubgraphName, number>;
  const common = (name: SubgraphName) => ({
    host: opts.host,
    port: ports[name] ?? 0,
    principalSecret: opts.principalSecret,
    databaseUrl: opts.databaseUrl,
    databaseSchema: opts.schemaPrefix ? `${opts.schemaPrefix}${name}` : undefined,
    embeddedDataDir: !opts.databaseUrl && opts.embeddedDataRoot ? join(opts.embeddedDataRoot, name) : undefined,
    transport: opts.transport,
    dropSchemaOnStop: opts.dropSchemasOnStop,
    // Each service logs under its own name (a child logger would repeat the `service` key).
    logger: createLogger(name),
  });
  const started: ServiceHandle[] = [];
  let gatewayBase: string | undefined;
  const track = <T extends ServiceHandle>(h: T): T => {
    started.push(h);
    return h;
  };
  try {
    // The subgraphs do not depend on one another to start: start them together.
    const [identity, events, media, commerce, presence] = await Promise.all([
      startIdentity({ ...common('identity'), kv: opts.kv, seedAdmin: opts.seedAdmin, settings: opts.identitySettings }).then(track),
      startEvents({ ...common('events'), seedDemo: opts.seedDemo }).then(track),
      startMedia({
        ...common('media'),
        janus: opts.janus,
        queuePrefix: opts.schemaPrefix ? `${opts.schemaPrefix}media` : undefined,
        settings: {
          ...(opts.janusPublicUrl ? { publicJanusUrl: opts.janusPublicUrl } : {}),
          ...(opts.rtpHost ? { rtpHost: opts.rtpHost } : {}),
          ...(opts.grantTtlSeconds ? { grantTtlSeconds: opts.grantTtlSeconds } : {}),
        },
      }).then(track),
      startCommerce({
        ...common('commerce'),
        kv: opts.kv,
        paymentsWebhookSecret: opts.paymentsWebhookSecret,
        // Export links point at the gateway, which starts after the subgraphs.
        publicGatewayUrl: () => opts.publicGatewayUrl ?? gatewayBase,
      }).then(track),
      startPresence({ ...common('presence'), kv: opts.kv, settings: opts.presenceSettings }).then(track),
    ]);
    const services = { identity, events, media, commerce, presence };
    if (opts.seedDemo) {
      const products = await seedDemoCatalog(commerce.em, demoEventIds());
      if (products) logger.info({ products }, 'seeded the demo catalog');
    }
    const gateway = track(
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
    const web = opts.webPort === false ? undefined : await startWeb({ port: opts.webPort ?? 0, host: opts.host, gatewayUrl: gateway.url });
    return {
      gateway,
      web,
      services,
      async stop() {
        await web?.stop();
        for (const h of [...started].reverse()) await h.stop();
      },
    };
  } catch (e) {
    for (const h of [...started].reverse()) await h.stop().catch(() => undefined);
    throw e;
  }
}
