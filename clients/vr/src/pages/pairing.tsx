import { useApolloClient } from '@apollo/client/react';
import { CompleteDevicePairingDocument, StartDevicePairingDocument, type SessionFieldsFragment } from '@frontrow/sdk';
import { useEffect, useState, type ReactNode } from 'react';
import { useVr } from '../app/context';
import { abortableSleep, deviceName, runPairing, type PairingState } from '../pairing';

/**
 * First start: the headset asks for a pairing code, shows it with the address where
 * the fan approves it (the web portal's /pair), and polls until it is approved. No
 * password is typed in the headset.
 */
export function PairingPage(): ReactNode {
  const apollo = useApolloClient();
  const { sdk } = useVr();
  const [state, setState] = useState<PairingState>({ phase: 'starting' });

  useEffect(() => {
    document.title = 'Pair this headset · FrontRow VR';
    const abort = new AbortController();
    const deps = {
      start: async () => {
        const r = await apollo.mutate({ mutation: StartDevicePairingDocument, variables: { input: deviceName(navigator.userAgent) } });
        return r.data!.startDevicePairing;
      },
      complete: async (deviceCode: string) => {
        const r = await apollo.mutate({ mutation: CompleteDevicePairingDocument, variables: { deviceCode } });
        return r.data?.completeDevicePairing ?? null;
      },
      now: () => Date.now(),
      sleep: abortableSleep,
    };
    runPairing<SessionFieldsFragment>(deps, setState, abort.signal).then(
      (s) => sdk.session.set({ accessToken: s.accessToken, refreshToken: s.refreshToken, expiresAt: s.expiresAt, user: s.user }),
      () => undefined,
    );
    return () => abort.abort();
  }, [apollo, sdk]);

  const code = state.phase === 'waiting' ? state.code : null;
  const link = code ? `${code.verificationUri}?code=${encodeURIComponent(code.userCode)}` : null;
  return (
    <section className="pairing" aria-labelledby="pair-heading">
      <h1 id="pair-heading">Pair this headset</h1>
      {code ? (
        <>
          <p className="lead">On your phone or computer, open</p>
          <p className="uri">
            <a href={link!}>{code.verificationUri}</a>
          </p>
          <p className="lead">sign in, and enter this code:</p>
          <p className="code" role="status" aria-label="Pairing code" aria-live="polite">
            {code.userCode}
          </p>
          <p className="hint">
            This headset signs in by itself once you approve it. The code works until {new Date(code.expiresAt).toLocaleTimeString()}; after that a new one
            appears here.
          </p>
        </>
      ) : state.phase === 'retrying' ? (
        <p role="alert">{state.message}</p>
      ) : (
        <p role="status">Getting a pairing code…</p>
      )}
    </section>
  );
}
