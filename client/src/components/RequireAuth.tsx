import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useCurrentUser } from '../api/queries';
import { ErrorNotice, Loading } from './Status';

/** Renders its children for a signed-in user; sends anyone else to sign in (and back here after). */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { data: user, isPending, error } = useCurrentUser();
  const location = useLocation();
  if (isPending) return <Loading label="Checking your session…" />;
  if (error) return <ErrorNotice error={error} />;
  if (!user) return <Navigate to="/signin" replace state={{ from: `${location.pathname}${location.search}` }} />;
  return <>{children}</>;
}
