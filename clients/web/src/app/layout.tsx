import { useMutation } from '@apollo/client/react';
import { SignOutDocument } from '@frontrow/sdk';
import type { ReactNode } from 'react';
import { Link, NavLink, Outlet, useNavigate } from 'react-router';
import { useSdk, useSession } from './context';
import { useOnline } from './ui';

export function Layout(): ReactNode {
  const session = useSession();
  const online = useOnline();
  const { sdk } = useSdk();
  const navigate = useNavigate();
  const [signOut] = useMutation(SignOutDocument);

  const onSignOut = async () => {
    const refreshToken = sdk.session.current?.refreshToken;
    // Signed out here whatever the server says: the refresh token is revoked when it can be.
    if (refreshToken) await signOut({ variables: { refreshToken } }).catch(() => undefined);
    sdk.session.set(null);
    await sdk.apollo.clearStore();
    navigate('/');
  };

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand" aria-label="FrontRow home">
          FrontRow
        </Link>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Schedule
          </NavLink>
          {session ? (
            <>
              <NavLink to="/pair">Pair a headset</NavLink>
              <NavLink to="/account">Account</NavLink>
              <button type="button" className="link" onClick={() => void onSignOut()}>
                Sign out
              </button>
            </>
          ) : (
            <>
              <NavLink to="/signin">Sign in</NavLink>
              <NavLink to="/signup">Sign up</NavLink>
            </>
          )}
        </nav>
      </header>
      {!online && (
        <p className="banner" role="alert">
          You are offline. What you see may be out of date.
        </p>
      )}
      <main id="main">
        <Outlet />
      </main>
    </>
  );
}
