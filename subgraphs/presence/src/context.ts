import { loaderById, type KeyValueStore, type OutboxRelay, type RequestBase } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { ChatMessage } from './entities/chat-message.entity';
import { Party } from './entities/party.entity';
import { MemberStatus, PartyMember } from './entities/party-member.entity';
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
  /** Active members of a party, oldest first. */
  members: DataLoader<string, PartyMember[]>;
  /** The users of a party with a live event stream. */
  online: DataLoader<string, Set<string>>;
  message: DataLoader<string, ChatMessage | null>;
}

export interface PresenceContext extends RequestBase {
  em: EntityManager;
  services: PresenceServices;
  loaders: PresenceLoaders;
}

export function createLoaders(em: EntityManager, hub: PartyHub): PresenceLoaders {
  return {
    party: loaderById(em, Party),
    members: new DataLoader(async (partyIds) => {
      const rows = await em.find(
        PartyMember,
        { partyId: { $in: [...partyIds] }, status: MemberStatus.ACTIVE },
        { orderBy: { joinedAt: 'asc', id: 'asc' } },
      );
      return partyIds.map((id) => rows.filter((m) => m.partyId === id));
    }),
    online: new DataLoader(async (partyIds) => {
      const byParty = await hub.onlineUsers(em, [...partyIds]);
      return partyIds.map((id) => byParty.get(id) ?? new Set<string>());
    }),
    message: loaderById(em, ChatMessage),
  };
}
