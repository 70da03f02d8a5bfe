/**
 * Development tools of the media plane.
 *   npm run janus -w @frontrow/media-plane           a local Janus with FrontRow's config;
 *                                                    prints the settings the media subgraph needs.
 *     JANUS_BIND_ADDRESS (127.0.0.1)   where the Janus API (JANUS_HTTP_PORT, 8088) and its
 *                                      WebSocket (JANUS_WS_PORT, 8188) listen; 0.0.0.0 lets
 *                                      other devices on the network watch
 *     the Admin API (JANUS_ADMIN_PORT, 7088) listens on 127.0.0.1 whatever is set
 *     JANUS_ADMIN_SECRET, JANUS_STREAMING_ADMIN_KEY (made up per run when unset), JANUS_ICE_ENFORCE
 *   npm run test-source -w @frontrow/media-plane -- <rtpHost> <videoPort> <audioPort> [vp8|h264]
 */
import { launchJanus } from './janus';
import { launcherOptions, launcherReport } from './launcher';
import { startTestSource } from './test-source';

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'janus') {
    const options = launcherOptions();
    const janus = await launchJanus({ ...options, onLog: (l) => process.stderr.write(`${l}\n`) });
    process.stdout.write(`${launcherReport(options, janus).join('\n')}\n`);
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
