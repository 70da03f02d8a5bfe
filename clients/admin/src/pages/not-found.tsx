import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useTitle } from '../app/ui';

export function NotFoundPage(): ReactNode {
  useTitle('Not found');
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/">Back to the dashboard</Link>.
      </p>
    </>
  );
}
