import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, nextCursor, request } from './http';
import type { CurrentUser, Order, Payment, Ticket, TicketInput } from './types';

export const keys = {
  currentUser: ['currentUser'] as const,
  tickets: ['tickets'] as const,
  ticket: (id: string) => ['tickets', id] as const,
  orders: ['orders'] as const,
  order: (id: string) => ['orders', id] as const,
};

interface Page<T> {
  items: T[];
  next?: string;
}

async function fetchPage<T>(path: string, after: string | undefined): Promise<Page<T>> {
  const { body, headers } = await request<T[]>('GET', after ? `${path}?after=${encodeURIComponent(after)}` : path);
  return { items: body, next: nextCursor(headers) };
}

export async function fetchCurrentUser(): Promise<CurrentUser | null> {
  return (await api<{ currentUser: CurrentUser | null }>('GET', '/api/users/currentuser')).currentUser;
}

/** The signed-in user, or null. */
export function useCurrentUser() {
  return useQuery({ queryKey: keys.currentUser, queryFn: fetchCurrentUser, staleTime: 60_000 });
}

export function useAuthMutation(mode: 'signup' | 'signin') {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (credentials: { email: string; password: string }) => api<CurrentUser>('POST', `/api/users/${mode}`, credentials),
    onSuccess: (user) => {
      client.setQueryData(keys.currentUser, user);
      return client.invalidateQueries({ queryKey: keys.currentUser });
    },
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<unknown>('POST', '/api/users/signout'),
    onSuccess: () => {
      client.setQueryData(keys.currentUser, null);
      client.removeQueries({ queryKey: keys.orders });
    },
  });
}

/** The tickets for sale, a page at a time (the API's `Link: rel="next"`). */
export function useTickets() {
  return useInfiniteQuery({
    queryKey: keys.tickets,
    queryFn: ({ pageParam }) => fetchPage<Ticket>('/api/tickets', pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next,
  });
}

export function useTicket(id: string) {
  return useQuery({ queryKey: keys.ticket(id), queryFn: () => api<Ticket>('GET', `/api/tickets/${encodeURIComponent(id)}`) });
}

export function useCreateTicket() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: TicketInput) => api<Ticket>('POST', '/api/tickets', input),
    onSuccess: (ticket) => {
      client.setQueryData(keys.ticket(ticket.id), ticket);
      return client.invalidateQueries({ queryKey: keys.tickets, exact: true });
    },
  });
}

export function useUpdateTicket(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: TicketInput) => api<Ticket>('PUT', `/api/tickets/${encodeURIComponent(id)}`, input),
    onSuccess: (ticket) => {
      client.setQueryData(keys.ticket(id), ticket);
      return client.invalidateQueries({ queryKey: keys.tickets, exact: true });
    },
  });
}

export function useOrders() {
  return useInfiniteQuery({
    queryKey: keys.orders,
    queryFn: ({ pageParam }) => fetchPage<Order>('/api/orders', pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next,
  });
}

const isOpen = (order: Order): boolean => order.status === 'created' || order.status === 'awaiting:payment';

/**
 * One order. While it is open it is polled, every second once a change made by events is due (the
 * expiry cancels it; a payment, `paid`, completes it), otherwise every 5 s.
 */
export function useOrder(id: string, paid: boolean) {
  return useQuery({
    queryKey: keys.order(id),
    queryFn: () => api<Order>('GET', `/api/orders/${encodeURIComponent(id)}`),
    refetchInterval: (query) => {
      const order = query.state.data;
      if (!order || !isOpen(order)) return false;
      return paid || Date.parse(order.expiresAt) <= Date.now() ? 1000 : 5000;
    },
  });
}

export function useCreateOrder() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (ticketId: string) => api<Order>('POST', '/api/orders', { ticketId }),
    onSuccess: (order) => {
      client.setQueryData(keys.order(order.id), order);
      return client.invalidateQueries({ queryKey: keys.tickets });
    },
  });
}

export function useCancelOrder(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<unknown>('DELETE', `/api/orders/${encodeURIComponent(id)}`),
    onSettled: () => client.invalidateQueries({ queryKey: keys.orders }),
  });
}

export function usePay(orderId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (token: string) => api<Payment>('POST', '/api/payments', { orderId, token }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.orders }),
  });
}
