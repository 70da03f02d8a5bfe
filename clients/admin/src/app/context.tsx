import { useQuery } from '@apollo/client/react';
import { MeDocument, type FrontRowClient, type Session } from '@frontrow/sdk';
import { createContext, useContext, useSyncExternalStore } from 'react';

export interface AppConfig {
  gatewayUrl: string;
}

/** Where the dashboard keeps its session (the fan's portal keeps its own elsewhere). */
export const SESSION_KEY = 'frontrow.admin.session';

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
      const onStorage = (e: StorageEvent) => e.key === SESSION_KEY && cb();
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

export type StaffRole = 'ADMIN' | 'MODERATOR';

export interface Staff {
  id: string;
  displayName: string;
  email?: string | null;
  roles: string[];
  /** ADMIN when the person is an admin, else MODERATOR, else null (no access). */
  role: StaffRole | null;
}

/**
 * Who is signed in, as the graph says (a handed-over token carries no user): null while
 * asking or when signed out. The server decides what each role may do; this only
 * decides what the dashboard shows.
 */
export function useStaff(): { staff: Staff | null; loading: boolean; error: unknown } {
  const session = useSession();
  const { data, loading, error } = useQuery(MeDocument, { skip: !session, fetchPolicy: 'cache-first' });
  const me = data?.me;
  if (!session || !me) return { staff: null, loading: Boolean(session) && loading, error };
  const role: StaffRole | null = me.roles.includes('ADMIN') ? 'ADMIN' : me.roles.includes('MODERATOR') ? 'MODERATOR' : null;
  return { staff: { ...me, role }, loading: false, error };
}
