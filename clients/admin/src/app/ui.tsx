import { CombinedGraphQLErrors } from '@apollo/client';
import { friendlyError } from '@frontrow/sdk';
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';

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

/**
 * The three states every list has besides its rows: loading the first time, failed,
 * and empty. Renders nothing once there are rows.
 */
export function ListState({ loading, error, empty, what, emptyText }: { loading: boolean; error: unknown; empty: boolean; what: string; emptyText: string }): ReactNode {
  if (error) return <ErrorMessage error={error} />;
  if (loading && empty) return <Loading what={`Loading ${what}`} />;
  if (empty) return <p className="empty">{emptyText}</p>;
  return null;
}

/** "More …" for a Relay connection: asks for the page after endCursor. */
export function More({ pageInfo, loading, onMore, label }: { pageInfo?: { hasNextPage: boolean; endCursor?: string | null }; loading: boolean; onMore: (after: string) => void; label: string }): ReactNode {
  if (!pageInfo?.hasNextPage || !pageInfo.endCursor) return null;
  const after = pageInfo.endCursor;
  return (
    <button type="button" className="secondary" disabled={loading} onClick={() => onMore(after)}>
      {loading ? 'Loading…' : label}
    </button>
  );
}

export function money(m: { amount: number; currency: string }): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: m.currency }).format(m.amount / 100);
}

export function when(iso: string): string {
  return new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** An ISO time as a datetime-local input's value, in the browser's time zone. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local (or date) input's value as ISO-8601 UTC; undefined when empty or invalid. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value.length === 10 ? `${value}T00:00` : value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The day after a date input's value, as ISO: a "to" date includes its whole day. */
export function dayAfter(value: string): string | undefined {
  const start = fromLocalInput(value);
  if (!start) return undefined;
  const d = new Date(start);
  d.setDate(d.getDate() + 1);
  return d.toISOString();
}

/**
 * The page's search parameters (its filters), and `update`, which changes some of them
 * (null or '' removes one). Each change builds on the last one asked for, not on the
 * parameters of the last render: the router applies a change later, in a transition, so
 * two changes in quick succession (clearing one filter, then choosing another) would
 * otherwise lose the first.
 */
export function useFilters(): [URLSearchParams, (changes: Record<string, string | null>, opts?: { replace?: boolean }) => void] {
  const [params, setParams] = useSearchParams();
  const rendered = useRef(params.toString());
  const wanted = useRef(params);
  // Changed from outside the page (a link, back and forward), or the last change applied.
  if (params.toString() !== rendered.current) {
    rendered.current = params.toString();
    wanted.current = params;
  }
  const update = useCallback(
    (changes: Record<string, string | null>, opts: { replace?: boolean } = { replace: true }) => {
      const next = new URLSearchParams(wanted.current);
      for (const [key, value] of Object.entries(changes)) {
        if (value) next.set(key, value);
        else next.delete(key);
      }
      wanted.current = next;
      setParams(next, opts);
    },
    [setParams],
  );
  return [params, update];
}

/** Sets the document's title for the page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · FrontRow Admin` : 'FrontRow Admin';
  }, [title]);
}

/** The field a server error names (extensions.field), and its message. */
export function fieldOf(error: unknown): { field?: string; message: string } | null {
  if (!error) return null;
  if (typeof error === 'string') return { message: error };
  if (CombinedGraphQLErrors.is(error)) {
    const first = error.errors[0];
    const field = first?.extensions?.field;
    if (typeof field === 'string' && first?.extensions?.code === 'BAD_USER_INPUT') return { field, message: first.message };
  }
  return { message: friendlyError(error) };
}

/**
 * A form's error state: a server error that names a field is shown next to that field
 * (`errorFor`), any other above the submit button (`formError`).
 */
export function useFormErrors(fields: string[]): {
  setError(error: unknown): void;
  errorFor(field: string): string | undefined;
  formError: string | undefined;
} {
  const [state, setState] = useState<{ field?: string; message: string } | null>(null);
  const known = state?.field && fields.includes(state.field);
  return {
    setError: (error) => setState(fieldOf(error)),
    errorFor: (field) => (known && state?.field === field ? state.message : undefined),
    formError: state && !known ? state.message : undefined,
  };
}

/** A labelled input with its error beside it (aria-invalid, aria-describedby). */
export function Field({ label, error, hint, children }: { label: string; error?: string; hint?: string; children: (props: { id: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string }) => ReactNode }): ReactNode {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : '', hint ? hintId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint && (
        <span id={hintId} className="hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={errorId} className="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** A button that shows what it hides, and says whether it is open. */
export function Disclosure({ label, children, initiallyOpen = false }: { label: string; children: (close: () => void) => ReactNode; initiallyOpen?: boolean }): ReactNode {
  const [open, setOpen] = useState(initiallyOpen);
  const id = useId();
  return (
    <div className="disclosure">
      <button type="button" className="secondary" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
        {label}
      </button>
      <div id={id} hidden={!open}>
        {open && children(() => setOpen(false))}
      </div>
    </div>
  );
}

/** Status words with a colour class, for badges. */
export function Badge({ value, labels }: { value: string; labels?: Record<string, string> }): ReactNode {
  return <span className={`badge ${value.toLowerCase()}`}>{labels?.[value] ?? value.charAt(0) + value.slice(1).toLowerCase().replace(/_/g, ' ')}</span>;
}

/** Runs an action, keeping its failure to show and whether it is under way. */
export function useAction(): { error: unknown; run: (fn: () => Promise<unknown>) => Promise<boolean>; busy: boolean; clear(): void } {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return {
    error,
    busy,
    clear: () => setError(null),
    run: async (fn) => {
      setError(null);
      setBusy(true);
      try {
        await fn();
        return true;
      } catch (e) {
        setError(e);
        return false;
      } finally {
        setBusy(false);
      }
    },
  };
}
