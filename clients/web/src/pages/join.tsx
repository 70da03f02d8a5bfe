import { useMutation } from '@apollo/client/react';
import { JoinPartyDocument } from '@frontrow/sdk';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useNavigate, useParams } from 'react-router';
import { ErrorMessage, useTitle } from '../app/ui';

/** `/join/:code`: an invite link joins at once; `/join` asks for the code. */
export function JoinPage(): ReactNode {
  useTitle('Join a party');
  const { code } = useParams();
  const navigate = useNavigate();
  const [join, { loading }] = useMutation(JoinPartyDocument);
  const [error, setError] = useState<unknown>(null);
  const tried = useRef(false);

  const go = async (inviteCode: string) => {
    setError(null);
    try {
      const r = await join({ variables: { inviteCode } });
      navigate(`/party/${r.data!.joinParty.id}`, { replace: true });
    } catch (err) {
      setError(err);
    }
  };

  useEffect(() => {
    if (code && !tried.current) {
      tried.current = true;
      void go(code);
    }
  });

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    void go(String(new FormData(e.currentTarget).get('code')).trim());
  };

  return (
    <section className="narrow">
      <h1>Join a party</h1>
      <form onSubmit={submit} aria-label="Join a party">
        <label>
          Invite code
          <input name="code" defaultValue={code ?? ''} required maxLength={32} />
        </label>
        <ErrorMessage
          error={error}
          context={{ notFound: 'No party has this invite code. Check it with your friend.', forbidden: 'You cannot join this party: the host removed you, or it is full.' }}
        />
        <button type="submit" disabled={loading}>
          Join
        </button>
      </form>
    </section>
  );
}
