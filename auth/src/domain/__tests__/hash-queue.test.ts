import { HashQueue, TooManyAttemptsError } from '../hash-queue';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => undefined as void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('HashQueue', () => {
  it('when 20 hashes are asked for at once, then at most `concurrency` (2) run at a time, and all finish', async () => {
    const queue = new HashQueue({ concurrency: 2, maxWaiting: 100, maxWaitingPerKey: 100 });
    let running = 0;
    let peak = 0;
    const work = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      return 'done';
    };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => queue.run(`client-${i % 3}`, work)));
    expect(results).toEqual(Array(20).fill('done'));
    expect(peak).toBe(2);
    expect(queue.active).toBe(0);
  });

  it('when one client floods the queue, then its extra requests get 429 at once and another client is served next', async () => {
    const queue = new HashQueue({ concurrency: 1, maxWaiting: 100, maxWaitingPerKey: 3 });
    const gate = deferred();
    const order: string[] = [];
    const held = queue.run('flood', () => gate.promise);
    const flood = Array.from({ length: 6 }, (_, i) => queue.run('flood', async () => void order.push(`flood-${i}`)));
    const settled = Promise.allSettled(flood);
    await tick();
    const real = queue.run('real-user', async () => void order.push('real'));
    gate.resolve();
    await Promise.all([held, real]);
    const outcomes = await settled;
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(3);
    expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: expect.any(TooManyAttemptsError) });
    // Round-robin: after the held one, one flood hash then the real user, not the whole flood first.
    expect(order.indexOf('real')).toBeLessThanOrEqual(1);
  });

  it('when the whole queue is full, then 429 with the error shape and a retry hint', async () => {
    const queue = new HashQueue({ concurrency: 1, maxWaiting: 1, maxWaitingPerKey: 10 });
    const gate = deferred();
    const held = queue.run('a', () => gate.promise);
    const waiting = queue.run('b', async () => 'b');
    const refused = queue.run('c', async () => 'c');
    await expect(refused).rejects.toMatchObject({ statusCode: 429, retryAfterSeconds: 1 });
    await expect(refused.catch((e: TooManyAttemptsError) => e.serializeErrors())).resolves.toEqual([
      { message: 'Too many attempts; try again later' },
    ]);
    gate.resolve();
    await expect(Promise.all([held, waiting])).resolves.toEqual([undefined, 'b']);
  });

  it('when work fails, then its slot is released', async () => {
    const queue = new HashQueue({ concurrency: 1 });
    await expect(queue.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(queue.run('a', async () => 'next')).resolves.toBe('next');
  });

  it('when the queue or a client’s share of it is full, then wouldRefuse says so before anything is queued', async () => {
    const queue = new HashQueue({ concurrency: 1, maxWaiting: 2, maxWaitingPerKey: 1 });
    expect(queue.wouldRefuse('a')).toBe(false);
    const gate = deferred();
    const held = queue.run('a', () => gate.promise);
    expect(queue.wouldRefuse('a')).toBe(false);
    const waitingA = queue.run('a', async () => undefined);
    await tick();
    expect(queue.wouldRefuse('a')).toBe(true);
    expect(queue.wouldRefuse('b')).toBe(false);
    const waitingB = queue.run('b', async () => undefined);
    await tick();
    expect(queue.wouldRefuse('c')).toBe(true);
    gate.resolve();
    await Promise.all([held, waitingA, waitingB]);
    expect(queue.wouldRefuse('c')).toBe(false);
  });

  it('when the queue is full of unknown clients, then a known device is admitted and served before all of them', async () => {
    const queue = new HashQueue({ concurrency: 1, maxWaiting: 3, maxWaitingPerKey: 1, maxWaitingTrusted: 2 });
    const gate = deferred();
    const order: string[] = [];
    const held = queue.run('flood-0', () => gate.promise);
    const flood = Array.from({ length: 3 }, (_, i) => queue.run(`flood-${i + 1}`, async () => void order.push(`flood-${i + 1}`)));
    await tick();
    expect(queue.wouldRefuse('flood-9')).toBe(true);
    expect(queue.wouldRefuse('device:a', { trusted: true })).toBe(false);

    const known = queue.run('device:a', async () => void order.push('known'), { trusted: true });
    gate.resolve();
    await Promise.all([held, known, ...flood]);

    expect(order).toEqual(['known', 'flood-1', 'flood-2', 'flood-3']);
  });

  it("when the known devices' lane is full, or one device already waits as often as a client may, then the next is refused with 429", async () => {
    const queue = new HashQueue({ concurrency: 1, reservedForTrusted: 0, maxWaiting: 10, maxWaitingPerKey: 1, maxWaitingTrusted: 2 });
    const gate = deferred();
    const held = queue.run('someone', () => gate.promise);
    const first = queue.run('device:a', async () => 'a', { trusted: true });
    await expect(queue.run('device:a', async () => 'again', { trusted: true })).rejects.toBeInstanceOf(TooManyAttemptsError);
    const second = queue.run('device:b', async () => 'b', { trusted: true });
    await expect(queue.run('device:c', async () => 'c', { trusted: true })).rejects.toBeInstanceOf(TooManyAttemptsError);
    // The unknown clients' queue is another lane, still open.
    expect(queue.wouldRefuse('someone-else')).toBe(false);
    gate.resolve();
    await expect(Promise.all([held, first, second])).resolves.toEqual([undefined, 'a', 'b']);
  });

  it('when every shared slot is busy and the queue full, then a known device runs at once in its reserved slot, and the next known device waits for a slot', async () => {
    const queue = new HashQueue({ concurrency: 1, reservedForTrusted: 1, maxWaiting: 1, maxWaitingPerKey: 1 });
    const shared = deferred();
    const reservedGate = deferred();
    const order: string[] = [];
    const held = queue.run('flood-0', () => shared.promise);
    const waiting = queue.run('flood-1', async () => void order.push('flood-1'));
    expect(queue.wouldRefuse('flood-2')).toBe(true);

    const first = queue.run(
      'device:a',
      async () => {
        order.push('known-a');
        await reservedGate.promise;
      },
      { trusted: true },
    );
    await tick();
    expect(order).toEqual(['known-a']);
    expect(queue.active).toBe(2);
    const second = queue.run('device:b', async () => void order.push('known-b'), { trusted: true });
    await tick();
    expect(order).toEqual(['known-a']);

    reservedGate.resolve();
    await first;
    await second;
    expect(order).toEqual(['known-a', 'known-b']);
    shared.resolve();
    await Promise.all([held, waiting]);
    expect(order).toEqual(['known-a', 'known-b', 'flood-1']);
    expect(queue.active).toBe(0);
  });
});
