/**
 * `npm run demo:feed`: streams the 360 test pattern into the live demo game, so that a
 * local platform (`npm start` with JANUS_* set) has something to watch. Signs in as the
 * demo admin through the gateway, picks the live game's free-preview seat, starts its
 * ingest if the platform has not already, runs ffmpeg to the ports media returned, and
 * prints the viewer's address. Ctrl-C stops the stream.
 *
 *   GATEWAY_URL (http://localhost:4000/graphql), WEB_URL (http://localhost:3000),
 *   SEED_ADMIN_EMAIL / SEED_ADMIN_PASSWORD (the embedded demo admin by default)
 */
import { startTestSource } from '@frontrow/media-plane/src/test-source';

const GATEWAY = process.env.GATEWAY_URL ?? 'http://localhost:4000/graphql';
const WEB = process.env.WEB_URL ?? 'http://localhost:3000';
const EMAIL = process.env.SEED_ADMIN_EMAIL ?? 'admin@frontrow.local';
const PASSWORD = process.env.SEED_ADMIN_PASSWORD ?? 'frontrow-admin';

interface Ingest {
  status: string;
  rtpHost: string | null;
  videoPort: number | null;
  audioPort: number | null;
  preset: { id: string; codec: string } | null;
}

async function gql<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await fetch(GATEWAY, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  }).catch(() => {
    throw new Error(`No gateway at ${GATEWAY}: start the platform first (npm start).`);
  });
  const body = (await res.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data as T;
}

async function main(): Promise<void> {
  const { signIn } = await gql<{ signIn: { accessToken: string } }>(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, {
    i: { email: EMAIL, password: PASSWORD },
  });
  const token = signIn.accessToken;
  const { events } = await gql<{ events: { edges: Array<{ node: { id: string; title: string; feeds: Array<{ id: string; label: string; preview: boolean; ingest: Ingest }> } }> } }>(
    `{ events(filter: { status: LIVE }, first: 1) { edges { node { id title feeds { id label preview
        ingest { status rtpHost videoPort audioPort preset { id codec } } } } } } }`,
    {},
    token,
  );
  const event = events.edges[0]?.node;
  if (!event) throw new Error('No live event: start the platform on embedded defaults (it seeds a live demo game), or make one live.');
  const feed = event.feeds.find((f) => f.preview) ?? event.feeds[0];
  let ingest = feed.ingest;
  if (ingest.status !== 'LIVE' || !ingest.videoPort) {
    const started = await gql<{ startIngest: Ingest }>(
      `mutation($f: ID!) { startIngest(feedId: $f, presetId: "test-pattern-vp8") { status rtpHost videoPort audioPort preset { id codec } } }`,
      { f: feed.id },
      token,
    );
    ingest = started.startIngest;
  }
  const codec = ingest.preset?.codec.toLowerCase().includes('264') ? 'h264' : 'vp8';
  const source = startTestSource({
    host: ingest.rtpHost ?? '127.0.0.1',
    videoPort: ingest.videoPort!,
    audioPort: ingest.audioPort!,
    codec,
    onLog: (line) => process.stderr.write(`ffmpeg: ${line}\n`),
  });
  process.stdout.write(
    [
      `Streaming the test pattern (${codec}) into "${event.title}", seat "${feed.label}" (${feed.preview ? 'free preview' : 'needs a pass'}).`,
      `Watch it: ${WEB}/viewer.html?event=${event.id}&feed=${feed.id}#token=${token}`,
      'Ctrl-C stops the stream.',
      '',
    ].join('\n'),
  );
  process.once('SIGINT', () => void source.stop().then(() => process.exit(0)));
  source.process.once('exit', (code) => {
    if (code) process.stderr.write(`ffmpeg exited with ${code}\n`);
    process.exit(code ?? 0);
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
