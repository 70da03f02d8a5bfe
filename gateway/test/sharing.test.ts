import { DEFAULT_OPERATION_LIMITS } from '@frontrow/kit';
import { parse } from 'graphql';
import { Operations } from '../src/subscriptions/operations';
import { SUPERGRAPH } from './stack';

/**
 * What a subscription's events can be shared by, read from the supergraph's
 * `@callerIndependent` marks (kit delivery.ts): party events are the same for every
 * member; a display name is the same for every caller who may read it; an email is not.
 */
describe('sharing of subscription events', () => {
  const operations = new Operations(SUPERGRAPH, DEFAULT_OPERATION_LIMITS);
  const prepare = (source: string) => operations.subscription(parse(source), undefined);

  it('shares the stream of a marked root field, and one completion per event when nothing else is fetched', () => {
    const prepared = prepare('subscription($p: ID!) { partyEvents(partyId: $p) { __typename ... on PlaybackChanged { state { version } by { id } } } }');
    expect(prepared.shared).toBe(true);
    expect(prepared.completion).toBe('event');
  });

  it('shares a completion between callers of the same access when every field fetched is marked', () => {
    const prepared = prepare('subscription($p: ID!) { partyEvents(partyId: $p) { ... on PlaybackChanged { by { id name: displayName } } ... on MemberJoined { member { user { displayName } } } } }');
    expect(prepared.shared).toBe(true);
    expect(prepared.completion).toBe('access');
  });

  it('completes per caller when a field fetched depends on who asks, even beside marked ones', () => {
    const prepared = prepare('subscription($p: ID!) { partyEvents(partyId: $p) { ... on PlaybackChanged { by { displayName } } ... on MemberUpdated { member { user { email } } } } }');
    expect(prepared.shared).toBe(true);
    expect(prepared.completion).toBe('caller');
  });

  it('looks into named fragments', () => {
    const prepared = prepare(
      'subscription($p: ID!) { partyEvents(partyId: $p) { ... on MemberUpdated { member { user { ...Who } } } } } fragment Who on User { id email }',
    );
    expect(prepared.completion).toBe('caller');
  });
});
