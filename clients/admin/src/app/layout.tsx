import { useMutation } from '@apollo/client/react';
import { SignOutDocument } from '@frontrow/sdk';
import type { ReactNode } from 'react';
import { Link, NavLink, Outlet, useNavigate } from 'react-router';
import { useSdk, useStaff, type StaffRole } from './context';

/** The dashboard's sections, and who sees each in the navigation (the server checks again). */
export const SECTIONS: Array<{ path: string; label: string; roles: StaffRole[] }> = [
  { path: '/events', label: 'Events', roles: ['ADMIN'] },
  { path: '/sales', label: 'Sales', roles: ['ADMIN'] },
  { path: '/creatives', label: 'Creatives', roles: ['ADMIN'] },
  { path: '/moderation', label: 'Moderation', roles: ['ADMIN', 'MODERATOR'] },
  { path: '/qos', label: 'Live QoS', roles: ['ADMIN'] },
  { path: '/audit', label: 'Audit log', roles: ['ADMIN'] },
];

export function useSignOut(): () => Promise<void> {
  const { sdk } = useSdk();
  const navigate = useNavigate();
  const [signOut] = useMutation(SignOutDocument);
  return async () => {
    const refreshToken = sdk.session.current?.refreshToken;
    // Signed out here whatever the server says: the refresh token is revoked when it can be.
    if (refreshToken) await signOut({ variables: { refreshToken } }).catch(() => undefined);
    sdk.session.set(null);
    await sdk.apollo.clearStore();
    navigate('/');
  };
}

export function Layout(): ReactNode {
  const { staff } = useStaff();
  const signOut = useSignOut();
  const sections = staff?.role ? SECTIONS.filter((s) => s.roles.includes(staff.role!)) : [];
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          FrontRow <span>Admin</span>
        </Link>
        {sections.length > 0 && (
          <nav aria-label="Dashboard">
            {sections.map((s) => (
              <NavLink key={s.path} to={s.path}>
                {s.label}
              </NavLink>
            ))}
          </nav>
        )}
        {staff && (
          <div className="who">
            <span>
              {staff.displayName} <span className="tag">{staff.role === 'ADMIN' ? 'Admin' : staff.role === 'MODERATOR' ? 'Moderator' : 'No access'}</span>
            </span>
            <button type="button" className="link" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
