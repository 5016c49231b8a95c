/** Every event subject the suite exchanges. `:` is a legal NATS subject character. */
export enum Subjects {
  TicketCreated = 'ticket:created',
  TicketUpdated = 'ticket:updated',
  OrderCreated = 'order:created',
  OrderCancelled = 'order:cancelled',
  PaymentCreated = 'payment:created',
}

export const ALL_SUBJECTS: readonly Subjects[] = Object.values(Subjects);
