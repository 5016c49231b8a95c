import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useLocation, useNavigate, type Location } from 'react-router';
import type { UnauthorizedHandler } from '../api/query-client';
import { fetchCurrentUser, keys } from '../api/queries';

const AUTH_PAGES = ['/signin', '/signup'];

/**
 * On a 401 from the API, asks auth who is signed in: nobody (the session ended) sends the user to
 * sign in, then back; somebody means "not yours", which the page itself shows.
 */
export function SessionGuard({ register }: { register(handler: UnauthorizedHandler | undefined): void }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const here = useRef<Location>(location);

  useEffect(() => {
    here.current = location;
  }, [location]);

  useEffect(() => {
    register(() => {
      void client.fetchQuery({ queryKey: keys.currentUser, queryFn: fetchCurrentUser, staleTime: 0 }).then(
        (user) => {
          const { pathname, search } = here.current;
          if (!user && !AUTH_PAGES.includes(pathname)) navigate('/signin', { replace: true, state: { from: `${pathname}${search}` } });
        },
        () => undefined,
      );
    });
    return () => register(undefined);
  }, [client, navigate, register]);

  return null;
}
