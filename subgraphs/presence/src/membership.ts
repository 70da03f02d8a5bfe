import { ForbiddenError, NotFoundError, findById, hasRole, requireUser, type Principal } from '@frontrow/kit';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Party } from './entities/party.entity';
import { MemberStatus, PartyMember, PartyRole } from './entities/party-member.entity';

export function isModerator(principal: Principal | null | undefined): boolean {
  return hasRole(principal, 'MODERATOR', 'ADMIN');
}

export async function findParty(em: EntityManager, partyId: string): Promise<Party> {
  const party = await findById(em, Party, partyId);
  if (!party) throw new NotFoundError('Party');
  return party;
}

export async function activeMember(em: EntityManager, partyId: string, userId: string): Promise<PartyMember | null> {
  return em.findOne(PartyMember, { partyId, userId, status: MemberStatus.ACTIVE });
}

/** The caller must be an active member of the party. */
export async function requireMember(em: EntityManager, partyId: string, principal: Principal | null | undefined) {
  const user = requireUser(principal);
  const party = await findParty(em, partyId);
  const member = await activeMember(em, party.id, user.userId);
  if (!member) throw new ForbiddenError('Only members of this party may do that.');
  return { user, party, member };
}

/** The party's host, or a moderator (admins included). */
export async function requireHostOrModerator(em: EntityManager, partyId: string, principal: Principal | null | undefined) {
  const user = requireUser(principal);
  const party = await findParty(em, partyId);
  const member = await activeMember(em, party.id, user.userId);
  if (member?.role !== PartyRole.HOST && !isModerator(user)) {
    throw new ForbiddenError('Only the host or a moderator may do that.');
  }
  return { user, party, member };
}

/**
 * Makes sure an active member holds HOST: when the host has gone, the member who
 * joined first takes over. Returns the promoted member, if any.
 */
export async function ensureHost(em: EntityManager, partyId: string): Promise<PartyMember | null> {
  return em.fork().transactional(async (tx) => {
    const party = await tx.findOne(Party, { id: partyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!party) return null;
    const members = await tx.find(PartyMember, { partyId, status: MemberStatus.ACTIVE }, { orderBy: { joinedAt: 'asc', id: 'asc' } });
    if (members.length === 0 || members.some((m) => m.role === PartyRole.HOST)) return null;
    const next = members[0];
    next.role = PartyRole.HOST;
    party.hostId = next.userId;
    return next;
  });
}
