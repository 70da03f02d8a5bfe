import { GraphQLRequestError, graphql } from './graphql';
import { FeedPlayer, type Grant } from './player';
import { SphereView, type Projection } from './sphere';

interface Feed {
  id: string;
  label: string;
  projection: Projection;
  isDefault: boolean;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (s: string) => ($('status').textContent = s);

const EVENT = `query ViewerEvent($id: ID!) { event(id: $id) { id title status feeds { id label projection isDefault } } }`;
const LIVE = `query ViewerLive { events(filter: { status: LIVE }, first: 1) { edges { node { id } } } }`;
const PLAYBACK = `query ViewerPlayback($id: ID!) { feed(id: $id) { id playback { janusUrl mountpointId token expiresAt } } }`;
const SIGN_IN = `mutation ViewerSignIn($input: SignInInput!) { signIn(input: $input) { accessToken } }`;

const timings: { grantRequested?: number; firstFrame?: number; phases: Record<string, number> } = { phases: {} };

/** Calls back once the video element presents its first frame. */
function whenFirstFrame(video: HTMLVideoElement, cb: () => void): void {
  const v = video as HTMLVideoElement & { requestVideoFrameCallback?: (f: () => void) => number };
  if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(() => cb());
  else video.addEventListener('loadeddata', () => cb(), { once: true });
}

async function config(): Promise<{ gatewayUrl: string }> {
  const res = await fetch('config.json');
  return (await res.json()) as { gatewayUrl: string };
}

function tokenFromPage(): string | undefined {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem('frontrow.token', fromHash);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem('frontrow.token') ?? undefined;
}

async function signIn(gatewayUrl: string): Promise<string> {
  const form = $('signin') as HTMLFormElement;
  form.hidden = false;
  status('Sign in to watch.');
  return new Promise((resolve) => {
    form.onsubmit = async (e) => {
      e.preventDefault();
      const data = new FormData(form);
      try {
        const r = await graphql<{ signIn: { accessToken: string } }>(gatewayUrl, SIGN_IN, {
          input: { email: data.get('email'), password: data.get('password') },
        });
        sessionStorage.setItem('frontrow.token', r.signIn.accessToken);
        form.hidden = true;
        resolve(r.signIn.accessToken);
      } catch (err) {
        status(err instanceof Error ? err.message : String(err));
      }
    };
  });
}

async function main(): Promise<void> {
  const { gatewayUrl } = await config();
  const token = tokenFromPage() ?? (await signIn(gatewayUrl));
  const params = new URLSearchParams(location.search);
  let eventId = params.get('event');
  if (!eventId) {
    const live = await graphql<{ events: { edges: Array<{ node: { id: string } }> } }>(gatewayUrl, LIVE, {}, token);
    eventId = live.events.edges[0]?.node.id ?? null;
    if (!eventId) {
      status('No game is live right now.');
      return;
    }
  }
  const { event } = await graphql<{ event: { title: string; feeds: Feed[] } | null }>(gatewayUrl, EVENT, { id: eventId }, token);
  if (!event) {
    status('This game does not exist.');
    return;
  }
  $('event').textContent = event.title;

  const video = $<HTMLVideoElement>('video');
  const view = new SphereView($('stage'), video);
  const player = new FeedPlayer(video, status, (phase) => {
    if (timings.grantRequested !== undefined) timings.phases[phase] ??= performance.now() - timings.grantRequested;
  });
  let renewal: number | undefined;

  const watch = async (feed: Feed) => {
    clearTimeout(renewal);
    for (const b of document.querySelectorAll('#feeds button')) b.setAttribute('aria-pressed', String(b.getAttribute('data-feed') === feed.id));
    status(`Connecting to ${feed.label}…`);
    const fetchGrant = async () => {
      const r = await graphql<{ feed: { playback: Grant | null } | null }>(gatewayUrl, PLAYBACK, { id: feed.id }, token);
      return r.feed?.playback ?? null;
    };
    try {
      timings.grantRequested = performance.now();
      timings.firstFrame = undefined;
      timings.phases = {};
      const grant = await fetchGrant();
      timings.phases.grant = performance.now() - timings.grantRequested;
      if (!grant) {
        status(`${feed.label} is not live.`);
        return;
      }
      view.show(feed.projection);
      whenFirstFrame(video, () => (timings.firstFrame = performance.now()));
      await player.play(grant);
      status(`Watching ${feed.label}. Drag to look around.`);
      // Renew before the grant expires: the same token is extended, no reconnect.
      const renew = async (expiresAt: string) => {
        const inMs = Math.max(5_000, (Date.parse(expiresAt) - Date.now()) * 0.7);
        renewal = window.setTimeout(async () => {
          const next = await fetchGrant().catch(() => null);
          if (next) await renew(next.expiresAt);
          else status('Your access to this feed ended.');
        }, inMs);
      };
      await renew(grant.expiresAt);
    } catch (err) {
      status(err instanceof GraphQLRequestError && err.code === 'FORBIDDEN' ? 'You need a pass for this game to watch it.' : String(err instanceof Error ? err.message : err));
    }
  };

  const feeds = $('feeds');
  for (const feed of event.feeds) {
    const b = document.createElement('button');
    b.textContent = feed.label;
    b.dataset.feed = feed.id;
    b.onclick = () => void watch(feed);
    feeds.appendChild(b);
  }
  const chosen = event.feeds.find((f) => f.id === params.get('feed')) ?? event.feeds.find((f) => f.isDefault) ?? event.feeds[0];
  (window as unknown as { frontrow: unknown }).frontrow = {
    stats: () => player.stats(),
    look: (lon: number, lat: number) => view.look(lon, lat),
    /** Milliseconds from asking for a grant to the first decoded frame, once there is one. */
    timeToFirstFrame: () => (timings.firstFrame && timings.grantRequested ? timings.firstFrame - timings.grantRequested : null),
    /** When each step of the last connection happened, in ms after the grant was asked for. */
    phases: () => ({ ...timings.phases }),
  };
  if (chosen) await watch(chosen);
  else status('This game has no feeds yet.');
}

main().catch((err: unknown) => status(`Something went wrong: ${err instanceof Error ? err.message : String(err)}`));
