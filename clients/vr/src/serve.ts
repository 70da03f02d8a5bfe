import { serveApp, type AppHandle } from '@frontrow/sdk/serve/app';
import { VR } from './build';

export type VrHandle = AppHandle;

export interface VrOptions {
  port: number;
  host?: string;
  /** The gateway's GraphQL URL. */
  gatewayUrl: string;
  /** The web portal, where a fan buys a pass (the headset does not sell) and approves pairing codes. */
  webUrl: string;
  build?: boolean;
}

/**
 * Serves the VR client: the built app with its configuration inlined, and index.html
 * for every route it owns (`/`, `/games/:eventId`), so a reload in the headset works.
 */
export function startVr(opts: VrOptions): Promise<VrHandle> {
  return serveApp({
    root: VR,
    service: 'vr',
    port: opts.port,
    host: opts.host,
    build: opts.build,
    config: { gatewayUrl: opts.gatewayUrl, webUrl: opts.webUrl },
  });
}
