import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, useLocation } from 'react-router';
import { useSession } from './context';
import { Layout } from './layout';
import { Loading } from './ui';
import { AccountPage } from '../pages/account';
import { SignInPage, SignUpPage } from '../pages/auth';
import { CheckoutPage } from '../pages/checkout';
import { EventPage } from '../pages/event';
import { JoinPage } from '../pages/join';
import { NotFoundPage } from '../pages/not-found';
import { PairPage } from '../pages/pair';
import { SchedulePage } from '../pages/schedule';

// The player (three.js, janus-gateway) is loaded only by these two pages.
const WatchPage = lazy(() => import('../pages/watch').then((m) => ({ default: m.WatchPage })));
const PartyPage = lazy(() => import('../pages/party').then((m) => ({ default: m.PartyPage })));

/** Pages for signed-in people: the others are sent to sign in, and come back after. */
function SignedIn({ children }: { children: ReactNode }): ReactNode {
  const session = useSession();
  const location = useLocation();
  if (!session) return <Navigate to={`/signin?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return children;
}

const later = (page: ReactNode) => <Suspense fallback={<Loading what="Loading the player" />}>{page}</Suspense>;

export const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <SchedulePage /> },
      { path: '/signup', element: <SignUpPage /> },
      { path: '/signin', element: <SignInPage /> },
      { path: '/events/:id', element: <EventPage /> },
      { path: '/checkout/:productId', element: <SignedIn><CheckoutPage /></SignedIn> },
      { path: '/watch/:feedId', element: <SignedIn>{later(<WatchPage />)}</SignedIn> },
      { path: '/party/:id', element: <SignedIn>{later(<PartyPage />)}</SignedIn> },
      { path: '/join/:code?', element: <SignedIn><JoinPage /></SignedIn> },
      { path: '/pair', element: <SignedIn><PairPage /></SignedIn> },
      { path: '/account', element: <SignedIn><AccountPage /></SignedIn> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
