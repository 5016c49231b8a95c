import { Link, useParams } from 'react-router';
import { ApiError } from '../api/http';
import { useCancelOrder, useOrder, usePay } from '../api/queries';
import type { Order } from '../api/types';
import { RequireAuth } from '../components/RequireAuth';
import { ErrorNotice, Loading } from '../components/Status';
import { useNow } from '../components/useNow';
import { formatPrice, formatTimeLeft } from '../format';
import { PaymentForm } from '../payment/PaymentForm';

type PayMutation = ReturnType<typeof usePay>;

function Checkout({ order, msLeft, pay }: { order: Order; msLeft: number; pay: PayMutation }) {
  const cancel = useCancelOrder(order.id);
  return (
    <>
      <p className="countdown" role="timer">
        {formatTimeLeft(msLeft)} to pay before the ticket is released
      </p>
      <div className="card">
        <h2>Payment</h2>
        <ErrorNotice error={pay.error} />
        <PaymentForm pending={pay.isPending} onToken={(token) => pay.mutate(token)} />
      </div>
      <ErrorNotice error={cancel.error} />
      <button type="button" className="button danger" disabled={cancel.isPending || pay.isPending} onClick={() => cancel.mutate()}>
        Cancel order
      </button>
    </>
  );
}

function OrderState({ order, now, pay }: { order: Order; now: number; pay: PayMutation }) {
  const msLeft = Date.parse(order.expiresAt) - now;
  if (order.status === 'complete') {
    return (
      <p role="status" className="notice notice-ok">
        Paid: this order is complete. Enjoy the show! <Link to="/orders">My orders</Link>
      </p>
    );
  }
  if (pay.isSuccess && order.status !== 'cancelled') {
    return (
      <p role="status" className="notice notice-ok">
        Payment received. Confirming your order…
      </p>
    );
  }
  if (order.status === 'cancelled' || msLeft <= 0) {
    const expired = msLeft <= 0;
    return (
      <div className="notice">
        <p>{expired ? 'This order has expired: the ticket was released.' : 'This order was cancelled.'}</p>
        <Link to={`/tickets/${order.ticket.id}`}>See the ticket</Link>
      </div>
    );
  }
  return <Checkout order={order} msLeft={msLeft} pay={pay} />;
}

function OrderDetails({ orderId }: { orderId: string }) {
  const now = useNow(1000);
  const pay = usePay(orderId);
  const order = useOrder(orderId, pay.isSuccess);
  if (order.isPending) return <Loading label="Loading the order…" />;
  if (order.isError) {
    const error = order.error instanceof ApiError && order.error.status === 404 ? new Error('This order does not exist.') : order.error;
    return <ErrorNotice error={error} />;
  }
  return (
    <>
      <p className="order-ticket">
        <Link to={`/tickets/${order.data.ticket.id}`}>{order.data.ticket.title}</Link>
        <span className="price">{formatPrice(order.data.ticket.price)}</span>
      </p>
      <OrderState order={order.data} now={now} pay={pay} />
    </>
  );
}

export function OrderPage() {
  const { orderId = '' } = useParams();
  return (
    <section className="narrow">
      <h1>Your order</h1>
      <RequireAuth>
        <OrderDetails orderId={orderId} />
      </RequireAuth>
    </section>
  );
}
