/**
 * Development tools of the media plane.
 *   npm run janus -w @frontrow/media-plane           a local Janus with FrontRow's config;
 *                                                    prints the settings the media subgraph needs
 *   npm run test-source -w @frontrow/media-plane -- <rtpHost> <videoPort> <audioPort> [vp8|h264]
 */
import { randomBytes } from 'node:crypto';
import { launchJanus } from './janus';
import { startTestSource } from './test-source';

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'janus') {
    const adminSecret = process.env.JANUS_ADMIN_SECRET ?? randomBytes(16).toString('hex');
    const streamingAdminKey = process.env.JANUS_STREAMING_ADMIN_KEY ?? randomBytes(16).toString('hex');
    const janus = await launchJanus({
      httpPort: Number(process.env.JANUS_HTTP_PORT ?? 8088),
      adminPort: Number(process.env.JANUS_ADMIN_PORT ?? 7088),
      wsPort: Number(process.env.JANUS_WS_PORT ?? 8188),
      httpIp: process.env.JANUS_HTTP_IP ?? '0.0.0.0',
      adminSecret,
      streamingAdminKey,
      iceEnforce: process.env.JANUS_ICE_ENFORCE,
      onLog: (l) => process.stderr.write(`${l}\n`),
    });
    process.stdout.write(
      [
        'Janus is running. Give the media subgraph (or npm start) these settings:',
        `  export JANUS_URL=${janus.url}`,
        `  export JANUS_ADMIN_URL=${janus.adminUrl}`,
        `  export JANUS_ADMIN_SECRET=${adminSecret}`,
        `  export JANUS_STREAMING_ADMIN_KEY=${streamingAdminKey}`,
        'Browsers on other machines need JANUS_PUBLIC_URL with this machine\'s address.',
        '',
      ].join('\n'),
    );
    const stop = () => void janus.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return;
  }
  if (command === 'source') {
    const [host, videoPort, audioPort, codec] = args;
    if (!host || !videoPort || !audioPort) throw new Error('usage: source <rtpHost> <videoPort> <audioPort> [vp8|h264]');
    const source = startTestSource({
      host,
      videoPort: Number(videoPort),
      audioPort: Number(audioPort),
      codec: codec === 'h264' ? 'h264' : 'vp8',
      onLog: (l) => process.stderr.write(`${l}\n`),
    });
    process.stdout.write(`sending the 360 test pattern to ${host} (video ${videoPort}, audio ${audioPort}); Ctrl-C stops\n`);
    process.once('SIGINT', () => void source.stop().then(() => process.exit(0)));
    return;
  }
  throw new Error('usage: cli.ts janus | source <rtpHost> <videoPort> <audioPort> [vp8|h264]');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
