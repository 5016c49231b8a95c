import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../api/http';
import { useCreateOrder, useCurrentUser, useTicket, useUpdateTicket } from '../api/queries';
import type { Ticket } from '../api/types';
import { ErrorNotice, Loading } from '../components/Status';
import { formatPrice } from '../format';
import { TicketForm } from './TicketForm';

function PurchaseButton({ ticket }: { ticket: Ticket }) {
  const order = useCreateOrder();
  const navigate = useNavigate();
  if (ticket.orderId)
    return <p className="notice">This ticket is reserved by an order. Check back later: it is released if the order expires.</p>;
  return (
    <div className="actions">
      <ErrorNotice error={order.error instanceof ApiError && order.error.status === 401 ? undefined : order.error} />
      <button
        type="button"
        className="button primary"
        disabled={order.isPending}
        onClick={() => order.mutate(ticket.id, { onSuccess: (created) => navigate(`/orders/${created.id}`) })}
      >
        Purchase
      </button>
    </div>
  );
}

function EditTicket({ ticket }: { ticket: Ticket }) {
  const update = useUpdateTicket(ticket.id);
  const [saved, setSaved] = useState(false);
  return (
    <div>
      <h2>Edit your ticket</h2>
      {ticket.orderId ? <p className="notice">This ticket is reserved by an order, so it cannot be edited now.</p> : null}
      {saved ? (
        <p role="status" className="notice notice-ok">
          Saved.
        </p>
      ) : null}
      <TicketForm
        initial={ticket}
        action="Save changes"
        pending={update.isPending}
        error={update.error}
        onSubmit={(input) => {
          setSaved(false);
          update.mutate(input, { onSuccess: () => setSaved(true) });
        }}
      />
    </div>
  );
}

export function TicketPage() {
  const { ticketId = '' } = useParams();
  const ticket = useTicket(ticketId);
  const { data: user } = useCurrentUser();
  if (ticket.isPending) {
    return (
      <section>
        <h1>Ticket</h1>
        <Loading label="Loading the ticket…" />
      </section>
    );
  }
  if (ticket.isError) {
    const missing = ticket.error instanceof ApiError && ticket.error.status === 404;
    return (
      <section>
        <h1>{missing ? 'Ticket not found' : 'Ticket'}</h1>
        {missing ? <p>This ticket does not exist (any more).</p> : <ErrorNotice error={ticket.error} />}
        <Link to="/">Back to the tickets for sale</Link>
      </section>
    );
  }
  const owner = user?.id === ticket.data.userId;
  return (
    <section className="narrow">
      <h1 className="ticket-heading">{ticket.data.title}</h1>
      <p className="big-price">{formatPrice(ticket.data.price)}</p>
      {owner ? <EditTicket ticket={ticket.data} /> : <PurchaseButton ticket={ticket.data} />}
    </section>
  );
}
