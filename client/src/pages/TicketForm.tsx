import { useState, type FormEvent } from 'react';
import { splitErrors } from '../api/http';
import type { TicketInput } from '../api/types';
import { Field } from '../components/Field';
import { ErrorNotice } from '../components/Status';

interface TicketFormProps {
  initial?: { title: string; price: number };
  action: string;
  pending: boolean;
  error: unknown;
  onSubmit(input: TicketInput): void;
}

/** "12.5" -> 12.5; what is not a number goes as typed, so the API names the problem next to Price. */
function parsePrice(text: string): number | string {
  const trimmed = text.trim();
  const value = Number(trimmed);
  return trimmed !== '' && Number.isFinite(value) ? value : trimmed;
}

/** Title and Price, with the API's validation messages next to each. */
export function TicketForm({ initial, action, pending, error, onSubmit }: TicketFormProps) {
  const [title, setTitle] = useState(initial?.title ?? '');
  const [price, setPrice] = useState(initial ? String(initial.price) : '');
  const { byField, general } = splitErrors(error, ['title', 'price']);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    onSubmit({ title, price: parsePrice(price) });
  };

  return (
    <form onSubmit={submit} noValidate className="card form">
      <ErrorNotice messages={general} />
      <Field label="Title" value={title} onChange={setTitle} error={byField.title} maxLength={120} autoComplete="off" required />
      <Field label="Price" inputMode="decimal" value={price} onChange={setPrice} error={byField.price} autoComplete="off" required />
      <button type="submit" className="button primary" disabled={pending}>
        {action}
      </button>
    </form>
  );
}
