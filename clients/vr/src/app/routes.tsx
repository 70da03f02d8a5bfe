import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, Outlet } from 'react-router';
import { useSession } from './context';
import { LobbyPage } from '../pages/lobby';
import { PairingPage } from '../pages/pairing';

// The venue (three.js, the Janus player, the party) is loaded only when a game opens.
const GamePage = lazy(() => import('../pages/game').then((m) => ({ default: m.GamePage })));

function Home(): ReactNode {
  return useSession() ? <LobbyPage /> : <PairingPage />;
}

/** Pages for a paired headset: the others go back to pairing. */
function Paired({ children }: { children: ReactNode }): ReactNode {
  return useSession() ? children : <Navigate to="/" replace />;
}

function Shell(): ReactNode {
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <main id="main">
        <Outlet />
      </main>
    </>
  );
}

export const router = createBrowserRouter([
  {
    element: <Shell />,
    children: [
      { path: '/', element: <Home /> },
      {
        path: '/games/:eventId',
        element: (
          <Paired>
            <Suspense fallback={<p role="status">Loading the venue…</p>}>
              <GamePage />
            </Suspense>
          </Paired>
        ),
      },
      { path: '*', element: <Navigate to="/" replace /> },
    ],
  },
]);
