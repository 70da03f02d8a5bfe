import { createContext, useContext, useSyncExternalStore } from 'react';
import type { FrontRowClient, Session } from '@frontrow/sdk';

export interface VrConfig {
  /** The gateway's GraphQL URL. */
  gatewayUrl: string;
  /** The web portal: where passes are bought and pairing codes approved. */
  webUrl: string;
}

export const VrContext = createContext<{ sdk: FrontRowClient; config: VrConfig } | null>(null);

export function useVr(): { sdk: FrontRowClient; config: VrConfig } {
  const value = useContext(VrContext);
  if (!value) throw new Error('useVr outside the app');
  return value;
}

/** The headset's session, re-rendering when it changes (paired, refreshed, signed out). */
export function useSession(): Session | null {
  const { sdk } = useVr();
  const raw = useSyncExternalStore(
    (cb) => sdk.session.subscribe(cb),
    () => JSON.stringify(sdk.session.current),
  );
  return JSON.parse(raw) as Session | null;
}
