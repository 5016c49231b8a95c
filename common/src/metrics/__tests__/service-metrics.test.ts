import { METRIC_NAMES, ServiceMetrics, type OutboxLevels } from '..';

const quiet = { warn: jest.fn() };

/** The value of `name` (with `labels`) in the text exposition, as Prometheus would read it. */
function sampleValue(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('ServiceMetrics', () => {
  it('when nothing but HTTP is used, then only the process and HTTP families are exported', async () => {
    const metrics = new ServiceMetrics({ logger: quiet });
    metrics.httpRequestDuration.observe({ method: 'GET', route: '/healthz', status_code: '200' }, 0.001);
    const names = (await metrics.registry.getMetricsAsJSON()).map((family) => family.name);

    expect(names).toContain(METRIC_NAMES.httpRequestDuration);
    expect(names).toContain('process_cpu_seconds_total');
    expect(names.filter((name) => name.startsWith('events_') || name.startsWith('outbox_') || name.startsWith('consumer_'))).toEqual([]);
  });

  it('when event metrics are registered, then dead letters read 0 before the first one, and counts add up by label', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false, logger: quiet });
    metrics.registerEventMetrics();
    expect(sampleValue(await metrics.scrape(), METRIC_NAMES.deadLetters)).toBe(0);

    metrics.eventPublished('ticket:created');
    metrics.eventPublished('ticket:created');
    metrics.eventConsumed('ticket:created', 'applied');
    metrics.eventConsumed('ticket:created', 'duplicate');
    metrics.deadLettered();
    const text = await metrics.scrape();

    expect(sampleValue(text, METRIC_NAMES.eventsPublished, '{subject="ticket:created"}')).toBe(2);
    expect(sampleValue(text, METRIC_NAMES.eventsConsumed, '{subject="ticket:created",outcome="applied"}')).toBe(1);
    expect(sampleValue(text, METRIC_NAMES.eventsConsumed, '{subject="ticket:created",outcome="duplicate"}')).toBe(1);
    expect(sampleValue(text, METRIC_NAMES.deadLetters)).toBe(1);
  });

  it('when the outbox is scraped, then both gauges come from one read of its levels at scrape time', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false, logger: quiet });
    let levels: OutboxLevels = { pending: 3, oldestPendingAgeSeconds: 12.5 };
    const read = jest.fn(async () => levels);
    metrics.observeOutbox(read);

    const first = await metrics.scrape();
    expect(sampleValue(first, METRIC_NAMES.outboxPending)).toBe(3);
    expect(sampleValue(first, METRIC_NAMES.outboxOldestPendingAge)).toBe(12.5);
    expect(read).toHaveBeenCalledTimes(1);

    levels = { pending: 0, oldestPendingAgeSeconds: 0 };
    jest.useFakeTimers({ now: Date.now() + 5_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const later = await metrics.scrape();
      expect(sampleValue(later, METRIC_NAMES.outboxPending)).toBe(0);
      expect(sampleValue(later, METRIC_NAMES.outboxOldestPendingAge)).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('when the outbox cannot be read, then the scrape still succeeds, the gauges keep their last values, and it is logged', async () => {
    const logger = { warn: jest.fn() };
    const metrics = new ServiceMetrics({ defaultMetrics: false, logger });
    const read = jest.fn<Promise<OutboxLevels>, []>().mockResolvedValueOnce({ pending: 2, oldestPendingAgeSeconds: 4 });
    metrics.observeOutbox(read);
    await metrics.scrape();

    read.mockRejectedValue(new Error('database down'));
    jest.useFakeTimers({ now: Date.now() + 5_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const text = await metrics.scrape();
      expect(sampleValue(text, METRIC_NAMES.outboxPending)).toBe(2);
      expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(Error) }), 'Cannot read the outbox levels');
    } finally {
      jest.useRealTimers();
    }
  });

  it('when consumers are observed, then each has its pending count at scrape time, and an unobserved one disappears', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false, logger: quiet });
    expect(await metrics.scrape()).not.toContain(METRIC_NAMES.consumerPending);

    const stopFirst = metrics.observeConsumer('orders-service_ticket-created', async () => 7);
    metrics.observeConsumer('orders-service_ticket-updated', async () => 0);
    let text = await metrics.scrape();
    expect(sampleValue(text, METRIC_NAMES.consumerPending, '{consumer="orders-service_ticket-created"}')).toBe(7);
    expect(sampleValue(text, METRIC_NAMES.consumerPending, '{consumer="orders-service_ticket-updated"}')).toBe(0);

    stopFirst();
    text = await metrics.scrape();
    expect(sampleValue(text, METRIC_NAMES.consumerPending, '{consumer="orders-service_ticket-created"}')).toBeUndefined();
    expect(sampleValue(text, METRIC_NAMES.consumerPending, '{consumer="orders-service_ticket-updated"}')).toBe(0);
  });
});
