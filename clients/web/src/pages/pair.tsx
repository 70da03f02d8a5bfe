import { useMutation } from '@apollo/client/react';
import { ApproveDevicePairingDocument } from '@frontrow/sdk';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { ErrorMessage, useTitle } from '../app/ui';

export function PairPage(): ReactNode {
  useTitle('Pair a headset');
  const [params] = useSearchParams();
  const [approve, { loading, data }] = useMutation(ApproveDevicePairingDocument);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setError(null);
    const code = String(new FormData(e.currentTarget).get('code')).trim().toUpperCase();
    try {
      await approve({ variables: { userCode: code } });
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className="narrow">
      <h1>Pair a headset</h1>
      <p>Enter the code your headset shows.</p>
      <form onSubmit={(e) => void submit(e)} aria-label="Pair a headset">
        <label>
          Code
          <input name="code" defaultValue={params.get('code') ?? ''} autoComplete="one-time-code" autoCapitalize="characters" required maxLength={16} />
        </label>
        <ErrorMessage error={error} context={{ notFound: 'That code is not valid or has expired. Check the headset and try again.', conflict: 'That code was already used.' }} />
        <button type="submit" disabled={loading}>
          Approve
        </button>
      </form>
      {data && (
        <p role="status" className="ok">
          Paired {data.approveDevicePairing.name}. Your headset signs in by itself in a few seconds.
        </p>
      )}
    </section>
  );
}
