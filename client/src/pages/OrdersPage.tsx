import { Link } from 'react-router';
import { useOrders } from '../api/queries';
import { RequireAuth } from '../components/RequireAuth';
import { Empty, ErrorNotice, Loading } from '../components/Status';
import { formatPrice, statusLabel } from '../format';

function OrderList() {
  const orders = useOrders();
  if (orders.isPending) return <Loading label="Loading your orders…" />;
  if (orders.isError) return <ErrorNotice error={orders.error} />;
  const items = orders.data.pages.flatMap((page) => page.items);
  if (items.length === 0) {
    return (
      <Empty>
        <p>You have no orders yet.</p>
        <p>
          <Link to="/">Find a ticket</Link>
        </p>
      </Empty>
    );
  }
  return (
    <>
      <ul className="order-list" aria-label="Orders">
        {items.map((order) => (
          <li key={order.id} className="order-row">
            <Link to={`/orders/${order.id}`} className="ticket-title">
              {order.ticket.title}
            </Link>
            <span className="price">{formatPrice(order.ticket.price)}</span>
            <span className={`badge badge-${order.status.replace(':', '-')}`}>{statusLabel(order.status)}</span>
          </li>
        ))}
      </ul>
      {orders.hasNextPage ? (
        <button type="button" className="button" disabled={orders.isFetchingNextPage} onClick={() => void orders.fetchNextPage()}>
          Show more orders
        </button>
      ) : null}
    </>
  );
}

export function OrdersPage() {
  return (
    <section>
      <h1>My orders</h1>
      <RequireAuth>
        <OrderList />
      </RequireAuth>
    </section>
  );
}
