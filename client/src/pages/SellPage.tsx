import { useNavigate } from 'react-router';
import { useCreateTicket } from '../api/queries';
import { RequireAuth } from '../components/RequireAuth';
import { TicketForm } from './TicketForm';

function SellForm() {
  const create = useCreateTicket();
  const navigate = useNavigate();
  return (
    <TicketForm
      action="Sell"
      pending={create.isPending}
      error={create.error}
      onSubmit={(input) => create.mutate(input, { onSuccess: (ticket) => navigate(`/tickets/${ticket.id}`) })}
    />
  );
}

export function SellPage() {
  return (
    <section className="narrow">
      <h1>Sell a ticket</h1>
      <RequireAuth>
        <SellForm />
      </RequireAuth>
    </section>
  );
}
