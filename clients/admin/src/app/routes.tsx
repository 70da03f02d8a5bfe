import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, useLocation } from 'react-router';
import { useSession, useStaff, type StaffRole } from './context';
import { Layout } from './layout';
import { ErrorMessage, Loading } from './ui';
import { AuditPage } from '../pages/audit';
import { RefusedPage, SignInPage } from '../pages/auth';
import { CreativesPage } from '../pages/creatives';
import { EventsPage } from '../pages/events';
import { ModerationPage } from '../pages/moderation';
import { NotFoundPage } from '../pages/not-found';
import { SalesPage } from '../pages/sales';

// The QoS page brings uPlot: loaded when an admin opens it.
const QosPage = lazy(() => import('../pages/qos').then((m) => ({ default: m.QosPage })));

/**
 * A page for staff with one of `roles`: the signed-out are sent to sign in (and come
 * back), a signed-in person without a staff role sees the refusal, a moderator on an
 * admin's page is told so.
 */
function Staff({ roles, children }: { roles: StaffRole[]; children: ReactNode }): ReactNode {
  const session = useSession();
  const location = useLocation();
  const { staff, loading, error } = useStaff();
  if (!session) return <Navigate to={`/?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (loading) return <Loading what="Checking your access" />;
  if (!staff) return <ErrorMessage error={error ?? 'Your session could not be checked. Sign in again.'} />;
  if (!staff.role) return <RefusedPage />;
  if (!roles.includes(staff.role)) return <RefusedPage admins />;
  return children;
}

/** `/`: the sign-in form, the refusal, or the first section the person may use. */
function Home(): ReactNode {
  const session = useSession();
  const { staff, loading } = useStaff();
  if (!session) return <SignInPage />;
  if (loading) return <Loading what="Checking your access" />;
  if (!staff?.role) return staff ? <RefusedPage /> : <SignInPage />;
  return <Navigate to={staff.role === 'ADMIN' ? '/events' : '/moderation'} replace />;
}

const admins = (page: ReactNode) => <Staff roles={['ADMIN']}>{page}</Staff>;

export const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <Home /> },
      { path: '/events', element: admins(<EventsPage />) },
      { path: '/sales', element: admins(<SalesPage />) },
      { path: '/creatives', element: admins(<CreativesPage />) },
      { path: '/moderation', element: <Staff roles={['ADMIN', 'MODERATOR']}><ModerationPage /></Staff> },
      { path: '/qos', element: admins(<Suspense fallback={<Loading what="Loading the charts" />}><QosPage /></Suspense>) },
      { path: '/audit', element: admins(<AuditPage />) },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
