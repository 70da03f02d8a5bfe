import { CombinedGraphQLErrors } from '@apollo/client';
import { DEFAULT_BACKOFF, FeedWatcher, backoffDelay, type GrantPlayer, type WatchStatus } from '../src/player/feed-watcher';
import type { Grant } from '../src/player/janus-player';

/** An error as Apollo Client hands it over. */
function graphQLError(code: string, extensions: Record<string, unknown> = {}): CombinedGraphQLErrors {
  return new CombinedGraphQLErrors({ errors: [{ message: 'A server message.', extensions: { code, ...extensions } }] });
}
const MEDIA_UNAVAILABLE = () => graphQLError('INTERNAL_SERVER_ERROR', { reason: 'MEDIA_UNAVAILABLE' });

const grant = (token = 'tok'): Grant => ({ janusUrl: 'http://janus.test/janus', mountpointId: '1000', token, expiresAt: new Date(Date.now() + 600_000).toISOString() });

/**
 * A player scripted by the test: each `play` takes the next outcome ('up', or an error to
 * reject with); `lose()` drops the connection that is up, as Janus dying does.
 */
class ScriptedPlayer implements GrantPlayer {
  outcomes: Array<'up' | Error> = [];
  plays: Grant[] = [];
  stops = 0;
  private onLost?: (reason: string) => void;

  async play(g: Grant, onLost: (reason: string) => void): Promise<void> {
    this.plays.push(g);
    const next = this.outcomes.shift() ?? new Error('Janus: unreachable');
    if (next !== 'up') throw next;
    this.onLost = onLost;
  }

  stop(): void {
    this.stops++;
    this.onLost = undefined;
  }

  lose(): void {
    const f = this.onLost;
    this.onLost = undefined;
    f?.('Lost connection to the server (is it down?)');
  }
}

/** The graph, scripted: each call takes the next answer (a grant, null, or an error to throw). */
function scriptedGraph(answers: Array<Grant | null | Error>): { fetchGrant(): Promise<Grant | null>; calls: number } {
  const graph = {
    calls: 0,
    async fetchGrant(): Promise<Grant | null> {
      graph.calls++;
      const next = answers.length ? answers.shift()! : grant();
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return graph;
}

function watcherWith(answers: Array<Grant | null | Error>, outcomes: Array<'up' | Error>) {
  const player = new ScriptedPlayer();
  player.outcomes = outcomes;
  const graph = scriptedGraph(answers);
  const statuses: WatchStatus[] = [];
  // The middle of each jitter range: waits are predictable in the test.
  const firstGrants: Grant[] = [];
  const failures: string[] = [];
  const watcher = new FeedWatcher({
    player,
    fetchGrant: () => graph.fetchGrant(),
    onStatus: (s) => statuses.push(s),
    onFirstGrant: (g) => firstGrants.push(g),
    onFailure: (s) => failures.push(s.kind),
    random: () => 0.5,
  });
  const kinds = () => statuses.map((s) => (s.kind === 'reconnecting' ? `reconnecting#${s.attempt}${s.hadPicture ? '' : ' (no picture yet)'}` : s.kind));
  return { player, graph, statuses, watcher, kinds, firstGrants, failures };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('backoffDelay', () => {
  it('doubles from 1 s to a 10 s ceiling, and draws in the upper half of it', () => {
    const low = [1, 2, 3, 4, 5, 6, 20, 1000].map((n) => backoffDelay(n, DEFAULT_BACKOFF, () => 0));
    const high = [1, 2, 3, 4, 5, 6, 20, 1000].map((n) => backoffDelay(n, DEFAULT_BACKOFF, () => 1));
    expect(low).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000, 5000]);
    expect(high).toEqual([1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000]);
  });
});

describe('FeedWatcher', () => {
  it('takes MEDIA_UNAVAILABLE and an unreachable Janus as "try again", waiting longer each time, until the picture starts', async () => {
    const { watcher, graph, player, statuses, kinds } = watcherWith([MEDIA_UNAVAILABLE(), MEDIA_UNAVAILABLE()], [new Error('Janus: Lost connection'), 'up']);
    watcher.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(kinds()).toEqual(['connecting', 'reconnecting#1 (no picture yet)']);
    expect(statuses.map((s) => (s.kind === 'reconnecting' ? s.retryInMs : null)).filter(Boolean)).toEqual([750]);
    await jest.advanceTimersByTimeAsync(749);
    expect(graph.calls).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(graph.calls).toBe(2);
    await jest.advanceTimersByTimeAsync(1500); // the second wait: 1 to 2 s
    expect(graph.calls).toBe(3);
    expect(player.plays).toHaveLength(1); // the grant came; Janus did not take it
    await jest.advanceTimersByTimeAsync(3000); // the third: 2 to 4 s
    expect(kinds()).toEqual(['connecting', 'reconnecting#1 (no picture yet)', 'reconnecting#2 (no picture yet)', 'reconnecting#3 (no picture yet)', 'watching']);
    expect(statuses.flatMap((s) => (s.kind === 'reconnecting' ? [s.retryInMs] : []))).toEqual([750, 1500, 3000]);
    watcher.stop();
  });

  it('connects again after a loss, asking the graph for the grant again', async () => {
    const { watcher, graph, player, kinds } = watcherWith([], ['up', new Error('Janus: no such mountpoint'), 'up']);
    watcher.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(kinds()).toEqual(['connecting', 'watching']);
    await jest.advanceTimersByTimeAsync(60_000);
    player.lose();
    expect(kinds().at(-1)).toBe('reconnecting#1');
    await jest.advanceTimersByTimeAsync(750 + 1500);
    expect(kinds()).toEqual(['connecting', 'watching', 'reconnecting#1', 'reconnecting#2', 'watching']);
    expect(graph.calls).toBe(3);
    expect(player.plays).toHaveLength(3);
    watcher.stop();
  });

  it('tells the page of its first grant once, and of each loss once, not of every try', async () => {
    const { watcher, player, kinds, firstGrants, failures } = watcherWith([], ['up', new Error('Janus: no such mountpoint'), 'up']);
    watcher.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(firstGrants).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(60_000);
    player.lose();
    await jest.advanceTimersByTimeAsync(750 + 1500);
    expect(kinds()).toEqual(['connecting', 'watching', 'reconnecting#1', 'reconnecting#2', 'watching']);
    // Two tries, one loss; three grants, one first.
    expect(failures).toEqual(['reconnecting']);
    expect(firstGrants).toHaveLength(1);
    watcher.stop();
  });

  it('starts counting anew after a stable picture, and waits longer for one that keeps dropping', async () => {
    const { watcher, player, statuses } = watcherWith([], ['up', 'up', 'up', 'up']);
    watcher.start();
    await jest.advanceTimersByTimeAsync(0);
    player.lose(); // at once: the first loss is try 1 all the same
    expect(statuses.at(-1)).toMatchObject({ kind: 'reconnecting', attempt: 1, retryInMs: 750 });
    await jest.advanceTimersByTimeAsync(750);
    expect(statuses.at(-1)).toMatchObject({ kind: 'watching' });
    player.lose(); // back for no time: the count goes on
    expect(statuses.at(-1)).toMatchObject({ kind: 'reconnecting', attempt: 2, retryInMs: 1500 });
    await jest.advanceTimersByTimeAsync(1500);
    expect(statuses.at(-1)).toMatchObject({ kind: 'watching' });
    await jest.advanceTimersByTimeAsync(DEFAULT_BACKOFF.stableMs);
    player.lose(); // after a stable picture: from the first wait again
    expect(statuses.at(-1)).toMatchObject({ kind: 'reconnecting', attempt: 1, retryInMs: 750 });
    watcher.stop();
  });

  it('gives up on a final refusal, says so, and asks nothing more', async () => {
    for (const code of ['FORBIDDEN', 'NOT_FOUND', 'UNAUTHENTICATED']) {
      const { watcher, graph, player, statuses } = watcherWith([graphQLError(code)], []);
      watcher.start();
      await jest.advanceTimersByTimeAsync(0);
      expect(statuses.at(-1)).toEqual({ kind: 'refused', code });
      await jest.advanceTimersByTimeAsync(600_000);
      expect(graph.calls).toBe(1);
      expect(player.plays).toHaveLength(0);
    }
  });

  it('says "not live" when the graph has no grant for the feed, and stops there', async () => {
    const { watcher, graph, player, kinds } = watcherWith([null], ['up']);
    watcher.start();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(kinds()).toEqual(['connecting', 'not-live']);
    expect(graph.calls).toBe(1);
    expect(player.plays).toHaveLength(0);
  });

  it('stops trying for good once stopped, in a wait or with a grant on its way', async () => {
    const waiting = watcherWith([MEDIA_UNAVAILABLE()], []);
    waiting.watcher.start();
    await jest.advanceTimersByTimeAsync(0);
    waiting.watcher.stop();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(waiting.graph.calls).toBe(1);
    expect(waiting.kinds()).toEqual(['connecting', 'reconnecting#1 (no picture yet)']);

    const asking = watcherWith([], ['up']);
    asking.watcher.start(); // the grant is on its way
    asking.watcher.stop();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(asking.player.plays).toHaveLength(0);
    expect(asking.kinds()).toEqual(['connecting']);
  });

  it('renews the grant while watching; a passing failure is tried again without dropping the picture, a refusal ends it', async () => {
    const { watcher, graph, player, kinds } = watcherWith([grant(), MEDIA_UNAVAILABLE(), grant(), graphQLError('FORBIDDEN')], ['up']);
    watcher.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(kinds()).toEqual(['connecting', 'watching']);
    await jest.advanceTimersByTimeAsync(420_000); // 70% of 10 minutes
    expect(graph.calls).toBe(2);
    expect(kinds()).toEqual(['connecting', 'watching']);
    await jest.advanceTimersByTimeAsync(750); // renewal tried again
    expect(graph.calls).toBe(3);
    const stopsBefore = player.stops;
    await jest.advanceTimersByTimeAsync(420_000);
    expect(graph.calls).toBe(4);
    expect(kinds()).toEqual(['connecting', 'watching', 'refused']);
    expect(player.stops).toBeGreaterThan(stopsBefore);
  });
});
