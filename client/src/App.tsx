import { QueryClientProvider } from '@tanstack/react-query';
import { Route, Routes } from 'react-router';
import type { createQueryClient } from './api/query-client';
import { Header } from './components/Header';
import { SessionGuard } from './components/SessionGuard';
import { AuthPage } from './pages/AuthPage';
import { LandingPage } from './pages/LandingPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { OrderPage } from './pages/OrderPage';
import { OrdersPage } from './pages/OrdersPage';
import { SellPage } from './pages/SellPage';
import { TicketPage } from './pages/TicketPage';

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/" element={<LandingPage />} />
      <Route path="/signup" element={<AuthPage mode="signup" />} />
      <Route path="/signin" element={<AuthPage mode="signin" />} />
      <Route path="/tickets/new" element={<SellPage />} />
      <Route path="/tickets/:ticketId" element={<TicketPage />} />
      <Route path="/orders" element={<OrdersPage />} />
      <Route path="/orders/:orderId" element={<OrderPage />} />
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}

/** The whole app, inside a router (BrowserRouter in the browser, MemoryRouter in tests). */
export function App({ query }: { query: ReturnType<typeof createQueryClient> }) {
  return (
    <QueryClientProvider client={query.client}>
      <SessionGuard register={query.setUnauthorizedHandler} />
      <Header />
      <main className="page">
        <AppRoutes />
      </main>
    </QueryClientProvider>
  );
}
