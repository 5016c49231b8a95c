import type { ReactNode } from 'react';
import { ApiError } from '../api/http';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p role="status" className="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : 'Something went wrong.';
}

/** An error the user should read; nothing when there is none. */
export function ErrorNotice({ error, messages }: { error?: unknown; messages?: string[] }) {
  const lines = messages ?? (error ? [errorMessage(error)] : []);
  if (lines.length === 0) return null;
  return (
    <div role="alert" className="notice notice-error">
      {lines.map((line) => (
        <p key={line}>{line}</p>
      ))}
    </div>
  );
}
