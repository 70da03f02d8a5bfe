import { randomUUID } from 'node:crypto';
import { PRINCIPAL_HEADER, busTopology, freePort, signCaller, type BusTransport, type Principal } from '@frontrow/kit';
import { gql as post, need, needs, testEnv, type GqlReply } from '@frontrow/kit/testing';
import { launchJanus, type RunningJanus } from '@frontrow/media-plane/src/janus';
import { start, type MediaHandle, type MediaOptions } from '../src/server';

/**
 * The suites over a real Janus: they need the janus binary (apt install janus). Without
 * it they are skipped locally and fail in CI, saying why; with it they run (and fail
 * loudly if Janus does not start).
 */
export const withJanus = needs(need.command('janus'));

export const adminPrincipal = (): Principal => ({ kind: 'user', userId: randomUUID(), roles: ['FAN', 'ADMIN'], scopes: [] });
export const fanPrincipal = (): Principal => ({ kind: 'user', userId: randomUUID(), roles: ['FAN'], scopes: [] });

export type { GqlReply };

/** The shared test client, calling media as `who`, signed as the gateway signs every call (an anonymous one too). */
export async function gql(media: MediaHandle, secret: string, query: string, variables: Record<string, unknown> = {}, who?: Principal): Promise<GqlReply<Record<string, unknown>>> {
  return post(media.url, query, variables, { headers: { [PRINCIPAL_HEADER]: await signCaller({ principal: who ?? null }, secret) } });
}

export const FEED = `query($id: ID!) { _entities(representations: [{ __typename: "Feed", id: $id }]) { ... on Feed { ingest { status videoPort audioPort rtpHost preset { id codec } } } } }`;
export const PLAYBACK = `query($id: ID!) { _entities(representations: [{ __typename: "Feed", id: $id }]) { ... on Feed { playback { janusUrl mountpointId token expiresAt hlsUrl } } } }`;
export const START = `mutation($f: ID!, $p: ID!) { startIngest(feedId: $f, presetId: $p) { status videoPort audioPort rtpHost } }`;
export const STOP = `mutation($f: ID!) { stopIngest(feedId: $f) { status videoPort } }`;

export async function publish(transport: BusTransport, type: string, payload: unknown): Promise<void> {
  await transport.publish({ id: randomUUID(), type, occurredAt: new Date().toISOString(), version: 1, payload });
}

/** Can a Janus session be opened with this token? */
export async function tokenWorks(janusUrl: string, token: string): Promise<boolean> {
  const res = await fetch(janusUrl, { method: 'POST', body: JSON.stringify({ janus: 'create', token, transaction: randomUUID() }) });
  const body = (await res.json()) as { janus: string };
  return body.janus === 'success';
}

export interface JanusKeys {
  adminSecret: string;
  streamingAdminKey: string;
}

export function startMedia(
  transport: BusTransport,
  prefix: string,
  secret: string,
  janus: RunningJanus | null,
  keys?: JanusKeys,
  extra: Partial<MediaOptions> = {},
): Promise<MediaHandle> {
  return start({
    port: 0,
    principalSecret: secret,
    databaseUrl: testEnv.databaseUrl,
    databaseSchema: prefix,
    dropSchemaOnStop: true,
    transport,
    busNamespace: `${prefix}_`,
    janus: janus && keys ? { url: janus.url, adminUrl: janus.adminUrl, ...keys } : undefined,
    sweepIntervalMs: 100,
    ...extra,
  });
}

export async function deleteQueues(transport: BusTransport, prefix: string): Promise<void> {
  for (const { queue } of busTopology(`${prefix}_`)) await transport.deleteQueue(queue);
}

/**
 * A Janus that a test can kill and start again on the same ports with the same keys,
 * as a crash and a restart by its supervisor would.
 */
export class RestartableJanus {
  current!: RunningJanus;
  private ports!: { httpPort: number; adminPort: number; wsPort: number };

  constructor(readonly keys: JanusKeys) {}

  async start(extra: { rtpPortRange?: string } = {}): Promise<RunningJanus> {
    this.ports ??= { httpPort: await freePort(), adminPort: await freePort(), wsPort: await freePort() };
    this.current = await launchJanus({ ...this.ports, ...this.keys, debugLevel: 2, ...extra });
    return this.current;
  }

  /** SIGKILL, as a crash: Janus keeps nothing of what it had. */
  async kill(): Promise<void> {
    this.current.process.kill('SIGKILL');
    await this.current.stop();
  }

  async stop(): Promise<void> {
    await this.current?.stop();
  }

  /** What the streaming plugin's `info` says of a mountpoint, through a session of the test's own. */
  async mountpoint(id: number): Promise<{ videoPort: number; audioPort: number } | null> {
    const data = await this.streaming({ request: 'info', id });
    const info = data.info as { media: Array<{ type: string; port: number }> } | undefined;
    if (!info) return null;
    return { videoPort: info.media.find((m) => m.type === 'video')!.port, audioPort: info.media.find((m) => m.type === 'audio')!.port };
  }

  /**
   * The streaming plugin's `info` of a mountpoint, as its admin sees it (with the time
   * since each stream last received RTP), or null when Janus has none.
   */
  async mountpointInfo(id: number): Promise<Record<string, unknown> | null> {
    const data = await this.streaming({ request: 'info', id, admin_key: this.keys.streamingAdminKey });
    return (data.info as Record<string, unknown> | undefined) ?? null;
  }

  /** Destroys a mountpoint behind media's back (an operator, a Janus admin tool). */
  async destroyMountpoint(id: number): Promise<void> {
    const data = await this.streaming({ request: 'destroy', id, admin_key: this.keys.streamingAdminKey });
    if (data.streaming !== 'destroyed') throw new Error(`could not destroy mountpoint ${id}: ${JSON.stringify(data)}`);
  }

  /** One request to the streaming plugin, in a session opened for it with a token of its own. */
  private async streaming(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const janus = this.current;
    const token = `test-${randomUUID()}`;
    const post = async (url: string, msg: Record<string, unknown>) => {
      const res = await fetch(url, { method: 'POST', body: JSON.stringify({ transaction: randomUUID(), ...msg }) });
      return (await res.json()) as { janus: string; data?: { id: number }; plugindata?: { data: Record<string, unknown> } };
    };
    await post(janus.adminUrl, { janus: 'add_token', token, plugins: ['janus.plugin.streaming'], admin_secret: this.keys.adminSecret });
    try {
      const session = (await post(janus.url, { janus: 'create', token })).data!.id;
      const handle = (await post(`${janus.url}/${session}`, { janus: 'attach', plugin: 'janus.plugin.streaming', token })).data!.id;
      const reply = await post(`${janus.url}/${session}/${handle}`, { janus: 'message', token, body });
      await post(`${janus.url}/${session}`, { janus: 'destroy', token });
      return reply.plugindata?.data ?? {};
    } finally {
      await post(janus.adminUrl, { janus: 'remove_token', token, admin_secret: this.keys.adminSecret });
    }
  }
}
