import { loaderById, type KeyValueStore, type OutboxRelay, type RequestBase } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { ChatMessage } from './entities/chat-message.entity';
import { Party } from './entities/party.entity';
import type { MemberData } from './events';
import type { PartyHub } from './hub';

export interface PresenceSettings {
  /** Members a party may hold (the host included). */
  maxPartySize: number;
  /** Parties whose size limit is at most this announce members coming online and going offline (MemberUpdated). */
  onlineEventsUpToMembers: number;
  /** How long a member whose last event stream closed stays in the party. */
  graceMs: number;
  /** How often an instance refreshes its sessions; a session is stale after three missed beats. */
  heartbeatMs: number;
  chatRateLimit: { max: number; windowSeconds: number };
  reactionRateLimit: { max: number; windowSeconds: number };
  playbackRateLimit: { max: number; windowSeconds: number };
  /** Reactions with one emoji are published once per window, with their count. */
  reactionWindowMs: number;
}

export interface PresenceServices {
  kv: KeyValueStore;
  relay: OutboxRelay;
  hub: PartyHub;
  settings: PresenceSettings;
}

export interface PresenceLoaders {
  party: DataLoader<string, Party | null>;
  /** Active members of a party, oldest first, with whether each is online (plain data, one query). */
  members: DataLoader<string, MemberData[]>;
  /** Whether the caller is an active member of a party (one row, never the member list). */
  isMember: DataLoader<string, boolean>;
  /** The users of a party with a live event stream. */
  online: DataLoader<string, Set<string>>;
  message: DataLoader<string, ChatMessage | null>;
}

export interface PresenceContext extends RequestBase {
  em: EntityManager;
  services: PresenceServices;
  loaders: PresenceLoaders;
}

export function createLoaders(em: EntityManager, hub: PartyHub, userId: string | undefined): PresenceLoaders {
  return {
    party: loaderById(em, Party),
    members: new DataLoader(async (partyIds) => {
      const byParty = await hub.activeMembers(em, partyIds);
      return partyIds.map((id) => byParty.get(id) ?? []);
    }),
    isMember: new DataLoader(async (partyIds) => {
      const of = userId ? await hub.memberOf(em, userId, partyIds) : new Set<string>();
      return partyIds.map((id) => of.has(id));
    }),
    online: new DataLoader(async (partyIds) => {
      const byParty = await hub.onlineUsers(em, [...partyIds]);
      return partyIds.map((id) => byParty.get(id) ?? new Set<string>());
    }),
    message: loaderById(em, ChatMessage),
  };
}
