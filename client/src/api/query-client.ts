import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError } from './http';

/** Receives every 401 the API answers (a session that ended, a page that needs one). */
export type UnauthorizedHandler = () => void;

/**
 * The app's QueryClient. A 401 from any query or mutation goes to `onUnauthorized` (the router sends
 * the user to sign in); 4xx answers are not retried (they would only repeat).
 */
export function createQueryClient(): { client: QueryClient; setUnauthorizedHandler(handler: UnauthorizedHandler | undefined): void } {
  let handler: UnauthorizedHandler | undefined;
  const onError = (error: unknown): void => {
    if (error instanceof ApiError && error.status === 401) handler?.();
  };
  const client = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
        refetchOnWindowFocus: false,
      },
    },
  });
  return { client, setUnauthorizedHandler: (next) => (handler = next) };
}
