import {
  KIT_ENTITIES,
  OutboxRelay,
  createKeyValueStore,
  createLogger,
  openSubgraphStorage,
  startSubgraphServer,
  type BusTransport,
  type KeyValueStore,
  type RequestBase,
  type ServiceHandle,
  type SubgraphOptions,
} from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createLoaders, type PresenceContext, type PresenceSettings } from './context';
import { ChatMessage } from './entities/chat-message.entity';
import { MessageReport } from './entities/message-report.entity';
import { Party } from './entities/party.entity';
import { PartyMember } from './entities/party-member.entity';
import { PresenceSession } from './entities/presence-session.entity';
import { PartyHub } from './hub';
import { migrations } from './migrations';
import { buildPresenceSchema } from './schema';
import { attachWebSocket } from './ws';

export const ENTITIES = [Party, PartyMember, ChatMessage, MessageReport, PresenceSession, ...KIT_ENTITIES];

export interface PresenceOptions extends SubgraphOptions {
  /** Redis carries party events between presence instances. */
  redisUrl?: string;
  /** Shared stand-ins (the embedded quick start runs every service in one process; tests share one between instances). */
  kv?: KeyValueStore;
  settings?: Partial<PresenceSettings>;
  /** Names this instance's event streams in the database (a random id by default). */
  instanceId?: string;
}

export interface PresenceHandle extends ServiceHandle {
  /** ws://host:port/graphql */
  wsUrl: string;
  em: EntityManager;
  relay: OutboxRelay;
  transport: BusTransport;
  hub: PartyHub;
}

export const DEFAULT_SETTINGS: PresenceSettings = {
  maxPartySize: 8,
  onlineEventsUpToMembers: 50,
  graceMs: 30_000,
  heartbeatMs: 10_000,
  chatRateLimit: { max: 5, windowSeconds: 10 },
  reactionRateLimit: { max: 20, windowSeconds: 10 },
  playbackRateLimit: { max: 30, windowSeconds: 10 },
  reactionWindowMs: 1000,
};

export async function start(opts: PresenceOptions): Promise<PresenceHandle> {
  const logger = opts.logger ?? createLogger('presence');
  const settings: PresenceSettings = { ...DEFAULT_SETTINGS, ...opts.settings };
  const storage = await openSubgraphStorage('presence', opts, { entities: ENTITIES, migrations, logger });
  const { em, transport, relay } = storage;
  const kv = opts.kv ?? createKeyValueStore(opts.redisUrl, logger);
  const hub = new PartyHub(em, kv, settings, logger, opts.instanceId);
  const schema = await buildPresenceSchema();
  const services = { kv, relay, hub, settings };
  const context = (base: RequestBase): PresenceContext => {
    const reqEm = em.fork();
    return { ...base, em: reqEm, services, loaders: createLoaders(reqEm, hub) };
  };

  const handle = await startSubgraphServer<PresenceContext>({
    name: 'presence',
    port: opts.port,
    host: opts.host,
    schema,
    logger,
    principalSecret: opts.principalSecret,
    exposeInternals: opts.exposeInternals,
    context,
    websocket: (server) => attachWebSocket(server, { schema, principalSecret: opts.principalSecret, logger, exposeInternals: opts.exposeInternals, context }),
    health: async () => {
      await em.getConnection().execute('select 1');
    },
    async onStop() {
      await hub.stop();
      if (!opts.kv) await kv.close();
      await storage.close();
    },
  });
  hub.start();
  relay.start();
  return { ...handle, wsUrl: handle.url.replace(/^http/, 'ws'), em, relay, transport, hub };
}
