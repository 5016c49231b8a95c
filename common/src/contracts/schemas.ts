import { z } from 'zod';
import { Subjects } from './subjects';
import { OrderStatus, type EventData } from './types';

// One schema per event subject (DESIGN §3), used by publishers (an invalid event is a programming
// error) and by listeners (an invalid event is dead-lettered, never applied). Unknown keys are
// stripped rather than refused, so a producer may add a field before every consumer knows it.

/** A MongoDB ObjectId as the suite writes it: 24 hexadecimal digits. */
const objectId = z.string().regex(/^[0-9a-fA-F]{24}$/, 'must be 24 hexadecimal digits (an ObjectId)');
const version = z.number().int().nonnegative();
const price = z.number().finite().nonnegative();
/** Which of the ticket's orders this is: 1, 2, ... (TicketReservation). */
const reservation = z.number().int().positive();

const ticketCreated = z.object({
  id: objectId,
  version,
  title: z.string().min(1),
  price,
  userId: objectId,
});

const ticketUpdated = ticketCreated.extend({ orderId: objectId.optional() });

const orderCreated = z.object({
  id: objectId,
  version,
  status: z.enum(OrderStatus),
  userId: objectId,
  expiresAt: z.iso.datetime({ offset: true }),
  ticket: z.object({ id: objectId, price, reservation }),
});

const orderCancelled = z.object({
  id: objectId,
  version,
  ticket: z.object({ id: objectId, reservation }),
});

const paymentCreated = z.object({
  id: objectId,
  version,
  orderId: objectId,
  stripeId: z.string().min(1),
});

/** The schema of each subject's data. */
export const eventSchemas: { readonly [S in Subjects]: z.ZodType<EventData<S>> } = {
  [Subjects.TicketCreated]: ticketCreated,
  [Subjects.TicketUpdated]: ticketUpdated,
  [Subjects.OrderCreated]: orderCreated,
  [Subjects.OrderCancelled]: orderCancelled,
  [Subjects.PaymentCreated]: paymentCreated,
};

export type EventParseResult<S extends Subjects> = { ok: true; data: EventData<S> } | { ok: false; error: string };

function isSubject(subject: string): subject is Subjects {
  return Object.prototype.hasOwnProperty.call(eventSchemas, subject);
}

/** Checks `data` against the subject's schema; `error` is a one-line summary of every problem. */
export function parseEvent<S extends Subjects>(subject: S, data: unknown): EventParseResult<S> {
  if (!isSubject(subject)) return { ok: false, error: `no schema for subject "${String(subject)}"` };
  const schema: z.ZodType<EventData<S>> = eventSchemas[subject];
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, data: result.data };
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(data)';
    return `${where}: ${issue.message}`;
  });
  return { ok: false, error: problems.join('; ') };
}

/** Throws when `data` does not match the subject's schema (publishers: an invalid event is a bug). */
export function assertValidEvent<S extends Subjects>(subject: S, data: unknown): asserts data is EventData<S> {
  const result = parseEvent(subject, data);
  if (!result.ok) throw new Error(`invalid event ${subject}: ${result.error}`);
}
