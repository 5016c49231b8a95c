import { Link } from 'react-router';
import { useCurrentUser, useTickets } from '../api/queries';
import { Empty, ErrorNotice, Loading } from '../components/Status';
import { formatPrice } from '../format';

function TicketList() {
  const tickets = useTickets();
  const { data: user } = useCurrentUser();
  if (tickets.isPending) return <Loading label="Loading tickets…" />;
  if (tickets.isError) return <ErrorNotice error={tickets.error} />;
  const items = tickets.data.pages.flatMap((page) => page.items);
  if (items.length === 0) {
    return (
      <Empty>
        <p>No tickets for sale right now.</p>
        <p>{user ? <Link to="/tickets/new">Sell the first one</Link> : <Link to="/signup">Create an account to sell one</Link>}</p>
      </Empty>
    );
  }
  return (
    <>
      <ul className="ticket-list" aria-label="Tickets">
        {items.map((ticket) => (
          <li key={ticket.id} className="ticket-row">
            <Link to={`/tickets/${ticket.id}`} className="ticket-title">
              {ticket.title}
            </Link>
            <span className="price">{formatPrice(ticket.price)}</span>
          </li>
        ))}
      </ul>
      {tickets.hasNextPage ? (
        <button type="button" className="button" disabled={tickets.isFetchingNextPage} onClick={() => void tickets.fetchNextPage()}>
          {tickets.isFetchingNextPage ? 'Loading more…' : 'Show more tickets'}
        </button>
      ) : null}
    </>
  );
}

export function LandingPage() {
  return (
    <section>
      <h1>Tickets for sale</h1>
      <TicketList />
    </section>
  );
}
