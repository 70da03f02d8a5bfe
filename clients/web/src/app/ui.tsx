import { useEffect, useState, type ReactNode } from 'react';
import { friendlyError } from '@frontrow/sdk';

/** A message a person understands, announced to screen readers. */
export function ErrorMessage({ error, context }: { error: unknown; context?: Parameters<typeof friendlyError>[1] }): ReactNode {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {typeof error === 'string' ? error : friendlyError(error, context)}
    </p>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }): ReactNode {
  return (
    <p className="loading" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function money(m: { amount: number; currency: string }): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: m.currency }).format(m.amount / 100);
}

export function when(iso: string): string {
  return new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** Sets the document's title for the page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · FrontRow` : 'FrontRow';
  }, [title]);
}

/** Whether the browser is online, following its events. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}
