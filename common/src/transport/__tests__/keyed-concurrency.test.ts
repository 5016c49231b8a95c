import type { EventMessage } from '../event-message';
import { deliveryOrderingKey, KeyedConcurrency } from '../keyed-concurrency';

/** A task that records when it starts and ends, and finishes when released. */
function gate(log: string[], name: string): { task: () => Promise<void>; release: () => void } {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return {
    task: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
    },
    release: () => release(),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('KeyedConcurrency', () => {
  it('when tasks have different keys, then they run at once up to the limit and the next waits for a free slot', async () => {
    const log: string[] = [];
    const queue = new KeyedConcurrency(2);
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const c = gate(log, 'c');
    await queue.admit('a', a.task);
    await queue.admit('b', b.task);
    let admittedC = false;
    const admitting = queue.admit('c', c.task).then(() => (admittedC = true));
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    expect(admittedC).toBe(false);

    b.release();
    await admitting;
    await tick();
    expect(log).toEqual(['start a', 'start b', 'end b', 'start c']);
    a.release();
    c.release();
    await queue.idle();
    expect(queue.size).toBe(0);
  });

  it('when tasks share a key, then each starts only after the previous one ended, in admission order', async () => {
    const log: string[] = [];
    const queue = new KeyedConcurrency(4);
    const first = gate(log, 'k1');
    const second = gate(log, 'k2');
    const other = gate(log, 'x');
    await queue.admit('k', first.task);
    await queue.admit('k', second.task);
    await queue.admit('x', other.task);
    await tick();
    expect(log).toEqual(['start k1', 'start x']);

    first.release();
    await tick();
    expect(log).toEqual(['start k1', 'start x', 'end k1', 'start k2']);
    second.release();
    other.release();
    await queue.idle();
    expect(log.filter((l) => l.startsWith('end'))).toEqual(['end k1', 'end k2', 'end x']);
  });

  it('when a task fails, then the next task of its key still runs', async () => {
    const queue = new KeyedConcurrency(1);
    const ran: string[] = [];
    await queue.admit('k', async () => {
      ran.push('failing');
      throw new Error('boom');
    });
    await queue.admit('k', async () => {
      ran.push('next');
    });
    await queue.idle();
    expect(ran).toEqual(['failing', 'next']);
  });

  it('when the limit is not a positive integer, then it refuses to build', () => {
    expect(() => new KeyedConcurrency(0)).toThrow('concurrency must be a positive integer, got 0');
  });
});

describe('deliveryOrderingKey', () => {
  const msg = { sequence: 7 } as EventMessage;
  const key = () => 'ticket-1';

  it('when deliveries run one at a time, then no key is computed', () => {
    const orderingKey = jest.fn(key);
    expect(deliveryOrderingKey({ concurrency: 1, orderingKey }, msg, jest.fn())).toBeUndefined();
    expect(orderingKey).not.toHaveBeenCalled();
  });

  it('when deliveries run concurrently, then the key function gives the key', () => {
    expect(deliveryOrderingKey({ concurrency: 4, orderingKey: key }, msg, jest.fn())).toBe('ticket-1');
  });

  it('when the key function throws, then the delivery runs unordered and the failure is logged', () => {
    const warn = jest.fn();
    const failing = () => {
      throw new Error('not JSON');
    };
    expect(deliveryOrderingKey({ concurrency: 4, orderingKey: failing }, msg, warn)).toBeUndefined();
    expect(warn).toHaveBeenCalledWith({ seq: 7, err: 'not JSON' }, 'Ordering key failed; handling the delivery unordered');
  });
});
