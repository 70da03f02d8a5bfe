import { useMutation } from '@apollo/client/react';
import { SignInDocument, SignUpDocument, type Session } from '@frontrow/sdk';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useSdk } from '../app/context';
import { ErrorMessage, useTitle } from '../app/ui';

/** Where to go after signing in: the page that asked, if it is one of ours. */
function useNext(): () => void {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = params.get('next');
  return () => navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
}

/**
 * A form that signs someone in: reads the fields, runs `start` with them, keeps the
 * session it returns and goes on; a failure is kept to be shown.
 */
function useSessionForm(start: (data: FormData) => Promise<Session>): { submit(e: FormEvent<HTMLFormElement>): Promise<void>; error: unknown } {
  const { sdk } = useSdk();
  const done = useNext();
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setError(null);
    try {
      sdk.session.set(await start(data));
      await sdk.apollo.resetStore();
      done();
    } catch (err) {
      setError(err);
    }
  };
  return { submit, error };
}

export function SignUpPage(): ReactNode {
  useTitle('Sign up');
  const [signUp, { loading }] = useMutation(SignUpDocument);
  const { submit, error } = useSessionForm(async (data) => {
    const r = await signUp({ variables: { input: { email: String(data.get('email')), password: String(data.get('password')), displayName: String(data.get('displayName')) } } });
    return r.data!.signUp;
  });

  return (
    <section className="narrow">
      <h1>Sign up</h1>
      <form onSubmit={(e) => void submit(e)} aria-label="Sign up">
        <label>
          Display name
          <input name="displayName" autoComplete="nickname" required maxLength={64} />
        </label>
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="new-password" required minLength={10} aria-describedby="password-hint" />
        </label>
        <p id="password-hint" className="hint">
          At least 10 characters.
        </p>
        <ErrorMessage error={error} context={{ conflict: 'An account with this email already exists. Sign in instead.' }} />
        <button type="submit" disabled={loading}>
          Sign up
        </button>
      </form>
      <p>
        Already have an account? <Link to="/signin">Sign in</Link>
      </p>
    </section>
  );
}

export function SignInPage(): ReactNode {
  useTitle('Sign in');
  const [signIn, { loading }] = useMutation(SignInDocument);
  const { submit, error } = useSessionForm(async (data) => {
    const r = await signIn({ variables: { input: { email: String(data.get('email')), password: String(data.get('password')) } } });
    return r.data!.signIn;
  });

  return (
    <section className="narrow">
      <h1>Sign in</h1>
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
      <p>
        New here? <Link to="/signup">Sign up</Link>
      </p>
    </section>
  );
}
