import { QueryClient } from '@tanstack/react-query';
import { Problem } from './problem';

// A refused request (4xx) is an answer, not a hiccup: it is shown at once, never retried. A 503 or a dropped
// connection is retried with backoff while the banner says so.
const retryable = (error: unknown) => !(error instanceof Problem) || error.status === 0 || error.status >= 500;

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (failures, error) => retryable(error) && failures < 6,
      retryDelay: (attempt) => Math.min(500 * 2 ** attempt, 8000),
      refetchOnWindowFocus: false,
    },
    mutations: { retry: false },
  },
});
