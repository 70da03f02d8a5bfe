import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Whether 127.0.0.1:`port` can be listened on now; with port 0, the port the system chose. */
function tryListen(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(null));
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      const chosen = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(chosen));
    });
  });
}

/** The lowest port the system hands out for port 0 (Linux: ip_local_port_range; 32768 elsewhere). */
function ephemeralFloor(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && low > 2048 ? low : 32768;
  } catch {
    return 32768;
  }
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now, to be listened on a
 * moment later by something that must know its port in advance (a URL handed to
 * another service first, PostgreSQL's `-p`). It is taken below the range the system
 * picks port-0 listeners from, so a server that binds port 0 in between (the platform
 * starts several at once) cannot be given the same one.
 */
export async function freePort(): Promise<number> {
  const floor = ephemeralFloor();
  const low = Math.max(10_000, Math.floor(floor / 2));
  for (let i = 0; i < 50 && floor - low > 100; i++) {
    const candidate = low + Math.floor(Math.random() * (floor - low));
    if ((await tryListen(candidate)) === candidate) return candidate;
  }
  const chosen = await tryListen(0);
  if (!chosen) throw new Error('no free TCP port on 127.0.0.1');
  return chosen;
}
