import { createContext, useContext, useSyncExternalStore } from 'react';
import type { FrontRowClient, Session } from '@frontrow/sdk';

export interface AppConfig {
  gatewayUrl: string;
}

export const SdkContext = createContext<{ sdk: FrontRowClient; config: AppConfig } | null>(null);

export function useSdk(): { sdk: FrontRowClient; config: AppConfig } {
  const value = useContext(SdkContext);
  if (!value) throw new Error('useSdk outside the app');
  return value;
}

/** The signed-in session, re-rendering when it changes (sign-in, refresh, sign-out, another tab). */
export function useSession(): Session | null {
  const { sdk } = useSdk();
  const raw = useSyncExternalStore(
    (cb) => {
      const off = sdk.session.subscribe(cb);
      const onStorage = (e: StorageEvent) => e.key === 'frontrow.session' && cb();
      window.addEventListener('storage', onStorage);
      return () => {
        off();
        window.removeEventListener('storage', onStorage);
      };
    },
    () => JSON.stringify(sdk.session.current),
  );
  return JSON.parse(raw) as Session | null;
}
