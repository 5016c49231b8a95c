import { ALL_SUBJECTS, Subjects } from '../../contracts/subjects';
import { BROKER_ROLES, BROKER_SERVICES, brokerInboxPrefix, brokerPermissions, natsAuthorizationConfig } from '../permissions';

const eventSubjects = new Set<string>(ALL_SUBJECTS);

describe('brokerPermissions', () => {
  it.each([
    ['tickets', [Subjects.TicketCreated, Subjects.TicketUpdated]],
    ['orders', [Subjects.OrderCreated, Subjects.OrderCancelled]],
    ['payments', [Subjects.PaymentCreated]],
  ] as const)('when asked for %s, then it may publish exactly its own event subjects, each named', (service, own) => {
    const { publish } = brokerPermissions(service);
    expect(publish.allow.filter((s) => eventSubjects.has(s)).sort()).toEqual([...own].sort());
    expect(publish.allow.some((s) => s.includes(':*') || s === '>' || s === '$JS.API.>')).toBe(false);
  });

  it('when asked for a service, then its JetStream rights name its own durables and streams only', () => {
    const { publish, subscribe } = brokerPermissions('tickets');
    expect(publish.allow).toEqual(
      expect.arrayContaining([
        '$JS.API.INFO',
        '$JS.API.STREAM.INFO.TICKETING',
        '$JS.API.STREAM.CREATE.DEAD_LETTERS',
        '$JS.API.STREAM.MSG.GET.TICKETING',
        '$JS.API.CONSUMER.CREATE.TICKETING.tickets-service_order-created.order:created',
        '$JS.API.CONSUMER.MSG.NEXT.TICKETING.tickets-service_order-cancelled',
        '$JS.ACK.TICKETING.tickets-service_order-created.>',
        'dead-letter.tickets-service_order-cancelled.>',
      ]),
    );
    expect(publish.allow.filter((s) => s.includes('orders-service') || s.includes('DELETE') || s.includes('PURGE'))).toEqual([]);
    expect(subscribe.allow.sort()).toEqual(
      [
        '_INBOX.tickets.>',
        '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.TICKETING.tickets-service_order-created',
        '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.TICKETING.tickets-service_order-cancelled',
      ].sort(),
    );
  });

  it('when given other stream names or a user, then the permissions follow them', () => {
    const { publish, subscribe } = brokerPermissions('payments', { stream: 'EVENTS', deadLetterStream: 'DLQ', user: 'payments-prod' });
    expect(publish.allow).toContain('$JS.API.CONSUMER.INFO.EVENTS.payments-service_order-created');
    expect(publish.allow).toContain('$JS.API.STREAM.UPDATE.DLQ');
    expect(subscribe.allow).toContain(`${brokerInboxPrefix('payments-prod')}.>`);
  });

  it('when every service is listed, then each consumed subject has a producer among them', () => {
    const produced = new Set(BROKER_SERVICES.flatMap((s) => BROKER_ROLES[s].publishes));
    for (const service of BROKER_SERVICES) for (const subject of BROKER_ROLES[service].consumes) expect(produced.has(subject)).toBe(true);
  });

  it('when rendered, then the authorization block lists the users and refuses an empty list', () => {
    const text = natsAuthorizationConfig([{ user: 'tickets', password: 'p', permissions: brokerPermissions('tickets') }]);
    expect(text.startsWith('authorization: ')).toBe(true);
    expect(JSON.parse(text.slice('authorization: '.length))).toEqual({
      users: [{ user: 'tickets', password: 'p', permissions: brokerPermissions('tickets') }],
    });
    expect(() => natsAuthorizationConfig([])).toThrow();
  });
});
