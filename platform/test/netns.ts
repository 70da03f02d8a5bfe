import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

export interface TestNetwork {
  /** The namespace's name, for `ip netns exec`. */
  name: string;
  /** The root namespace's end of the veth pair. */
  hostIf: string;
  hostIp: string;
  /** The test namespace's end, where Janus listens and gathers ICE candidates. */
  nsIf: string;
  nsIp: string;
  destroy(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A network namespace of the test's own, joined to the root namespace by a veth pair
 * with addresses from a documentation range (198.51.100.0/24, RFC 5737), so that
 * Janus has a non-loopback address for ICE (it never uses loopback).
 */
export function createTestNetwork(): TestNetwork {
  const id = randomBytes(3).toString('hex');
  const name = `frontrow-${id}`;
  const hostIf = `frh${id}`;
  const nsIf = `frn${id}`;
  const base = randomInt(1, 63) * 4;
  const hostIp = `198.51.100.${base + 1}`;
  const nsIp = `198.51.100.${base + 2}`;
  const destroy = () => {
    try {
      ip('netns', 'del', name);
    } catch {
      /* already gone */
    }
    try {
      ip('link', 'del', hostIf);
    } catch {
      /* removed with the namespace */
    }
  };
  try {
    ip('netns', 'add', name);
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', name);
    ip('addr', 'add', `${hostIp}/30`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('netns', 'exec', name, 'ip', 'addr', 'add', `${nsIp}/30`, 'dev', nsIf);
    ip('netns', 'exec', name, 'ip', 'link', 'set', nsIf, 'up');
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  } catch (e) {
    destroy();
    throw e;
  }
  return { name, hostIf, hostIp, nsIf, nsIp, destroy };
}
