import { createKeyValueStore, defineSubgraph, type KeyValueStore, type SubgraphHandle, type SubgraphOptions } from '@frontrow/kit';
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

export interface PresenceOptions extends SubgraphOptions {
  /** Redis carries party events between presence instances. */
  redisUrl?: string;
  /** Shared stand-ins (the embedded quick start runs every service in one process; tests share one between instances). */
  kv?: KeyValueStore;
  settings?: Partial<PresenceSettings>;
  /** Names this instance's event streams in the database (a random id by default). */
  instanceId?: string;
}

/** Presence's handle: the kit's, where graphql-ws listens, and the party hub. */
export type PresenceHandle = SubgraphHandle<{ wsUrl: string; hub: PartyHub }>;

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

export const presence = defineSubgraph<PresenceOptions, PresenceContext, { wsUrl: string; hub: PartyHub }>({
  name: 'presence',
  entities: [Party, PartyMember, ChatMessage, MessageReport, PresenceSession],
  migrations,
  schema: buildPresenceSchema,
  setup({ options: opts, storage, logger }) {
    const settings: PresenceSettings = { ...DEFAULT_SETTINGS, ...opts.settings };
    const { em, relay } = storage;
    const kv = opts.kv ?? createKeyValueStore(opts.redisUrl, logger);
    const hub = new PartyHub(em, kv, settings, logger, opts.instanceId);
    const services = { kv, relay, hub, settings };
    return {
      context: (start) => ({ ...start, services, loaders: createLoaders(start.em, hub, start.principal?.userId) }),
      websocket: (server, { schema, context }) =>
        attachWebSocket(server, { schema, principalSecret: opts.principalSecret, logger, exposeInternals: opts.exposeInternals, context }),
      ready() {
        hub.start();
      },
      async stopped() {
        await hub.stop();
        if (!opts.kv) await kv.close();
      },
      expose: (handle) => ({ wsUrl: handle.url.replace(/^http/, 'ws'), hub }),
    };
  },
});

export const ENTITIES = presence.entities;
export const start = presence.start;
