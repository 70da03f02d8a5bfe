import { useMutation } from '@apollo/client/react';
import { SignInDocument } from '@frontrow/sdk';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useSdk, useStaff } from '../app/context';
import { useSignOut } from '../app/layout';
import { ErrorMessage, useTitle } from '../app/ui';

export function SignInPage(): ReactNode {
  useTitle('Sign in');
  const { sdk } = useSdk();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [signIn, { loading }] = useMutation(SignInDocument);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setError(null);
    try {
      const r = await signIn({ variables: { input: { email: String(data.get('email')), password: String(data.get('password')) } } });
      await sdk.apollo.clearStore();
      sdk.session.set(r.data!.signIn);
      // Back to the page that asked, when it is one of ours. Otherwise `/` itself moves on
      // now that there is a session (to the first section, or to the refusal).
      const next = params.get('next');
      if (next && next.startsWith('/') && !next.startsWith('//')) navigate(next, { replace: true });
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className="narrow">
      <h1>Sign in to the dashboard</h1>
      <p className="hint">For FrontRow&apos;s admins and moderators.</p>
      <form onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <ErrorMessage error={error} />
        <button type="submit" disabled={loading}>
          Sign in
        </button>
      </form>
    </section>
  );
}

/**
 * What a signed-in person without a staff role sees (or, with `admins`, a moderator on
 * an admin's page): who they are, why they cannot go on, and a way out.
 */
export function RefusedPage({ admins = false }: { admins?: boolean }): ReactNode {
  useTitle('No access');
  const { staff } = useStaff();
  const signOut = useSignOut();
  return (
    <section className="narrow refused">
      <h1>{admins ? 'Admins only' : 'Admins and moderators only'}</h1>
      <p role="alert">
        {admins
          ? 'This page is for admins. As a moderator you can use Moderation.'
          : `You are signed in as ${staff?.displayName ?? 'someone'}${staff?.email ? ` (${staff.email})` : ''}, who is not an admin or a moderator. The dashboard is only for FrontRow's staff; fans use the FrontRow web portal.`}
      </p>
      {!admins && (
        <button type="button" onClick={() => void signOut()}>
          Sign out and use another account
        </button>
      )}
    </section>
  );
}
