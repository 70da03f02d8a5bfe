import { spawn, type ChildProcess } from 'node:child_process';

export interface TestSourceOptions {
  /** Where the mountpoint listens (an Ingest's rtpHost, videoPort, audioPort). */
  host: string;
  videoPort: number;
  audioPort: number;
  codec?: 'vp8' | 'h264';
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps?: number;
  /** Stop after this many seconds (default: run until stopped). */
  durationSeconds?: number;
  ffmpegBin?: string;
  onLog?: (line: string) => void;
}

export interface RunningSource {
  process: ChildProcess;
  args: string[];
  stop(): Promise<void>;
}

/**
 * The ffmpeg arguments that send a 360 test source as RTP: a 2:1 equirectangular test
 * pattern with a 30° grid (12 × 6 cells, so meridians and parallels are visible on the
 * sphere), VP8 or H.264 with payload type 96, and an Opus tone with payload type 111.
 */
export function testSourceArgs(o: TestSourceOptions): string[] {
  const width = o.width ?? 1280;
  const height = o.height ?? Math.round(width / 2);
  const fps = o.fps ?? 30;
  const kbps = o.bitrateKbps ?? 1500;
  const video =
    (o.codec ?? 'vp8') === 'h264'
      ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p']
      : ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-error-resilient', '1'];
  return [
    '-hide_banner',
    '-loglevel', 'warning',
    '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    ...(o.durationSeconds ? ['-t', String(o.durationSeconds)] : []),
    '-map', '0:v',
    '-vf', `drawgrid=w=iw/12:h=ih/6:t=3:c=white@0.8`,
    ...video,
    '-b:v', `${kbps}k`, '-g', String(fps * 2), '-an',
    '-f', 'rtp', '-payload_type', '96', `rtp://${o.host}:${o.videoPort}?pkt_size=1200`,
    '-map', '1:a',
    '-c:a', 'libopus', '-b:a', '64k', '-ar', '48000', '-ac', '2', '-vn',
    '-f', 'rtp', '-payload_type', '111', `rtp://${o.host}:${o.audioPort}?pkt_size=1200`,
  ];
}

/** Starts ffmpeg sending the test source; stop() ends it. */
export function startTestSource(o: TestSourceOptions): RunningSource {
  const args = testSourceArgs(o);
  const child = spawn(o.ffmpegBin ?? 'ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) o.onLog?.(line);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    args,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
