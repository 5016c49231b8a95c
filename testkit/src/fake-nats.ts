import { type EventData, type Subjects } from '@ticketing/common/contracts';
import {
  type ConnectionStatus,
  type DeliveryHandler,
  type EventMessage,
  type PublishAck,
  type PublishOptions,
  type Settlement,
  type SubscribeOptions,
  type Transport,
  type TransportSubscription,
} from '@ticketing/common/transport';

/**
 * Wraps `impl` in `jest.fn` when running under Jest (so `expect(fn).toHaveBeenCalled()` and
 * `jest.clearAllMocks()` work), and returns it unchanged elsewhere: this file is compiled and may be
 * loaded without Jest.
 */
function spy<F extends (...args: never[]) => unknown>(impl: F): F {
  try {
    // `@jest/globals` only resolves inside a Jest runtime, where it yields this module's `jest` object.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const globals = require('@jest/globals') as { jest?: { fn(implementation: F): F } };
    if (globals.jest) return globals.jest.fn(impl);
  } catch {
    // not under Jest
  }
  return impl;
}

interface MockLike {
  mock: { calls: unknown[][] };
}
function isMock(fn: unknown): fn is MockLike {
  return typeof fn === 'function' && 'mock' in fn;
}

/** One `publish` call the fake saw. */
export interface PublishedEvent<D = unknown> {
  subject: string;
  data: D;
  msgId: string | undefined;
}

type PublishFn = (subject: string, data: unknown, options?: PublishOptions) => Promise<PublishAck>;

export interface FakeMessageOptions {
  subject?: string;
  deliveryCount?: number;
  msgId?: string;
  sequence?: number;
  /** The data whose JSON becomes the body (default `{}`). */
  data?: unknown;
}

export interface FakeEventMessage extends EventMessage {
  ack: () => void;
  nak: (delayMs?: number) => void;
  term: (reason?: string) => void;
}

class RecordingMessage implements FakeEventMessage {
  readonly subject: string;
  readonly deliveryCount: number;
  readonly msgId: string | undefined;
  readonly sequence: number | undefined;
  readonly rawData: Uint8Array;
  settlement: Settlement | undefined;
  readonly ack = spy((): void => this.settle('ack'));
  readonly nak = spy((_delayMs?: number): void => this.settle('nak'));
  readonly term = spy((_reason?: string): void => this.settle('term'));

  constructor(options: FakeMessageOptions) {
    this.subject = options.subject ?? 'test:subject';
    this.deliveryCount = options.deliveryCount ?? 1;
    this.msgId = options.msgId;
    this.sequence = options.sequence;
    this.rawData = new TextEncoder().encode(JSON.stringify(options.data ?? {}));
  }

  private settle(how: Settlement): void {
    this.settlement ??= how;
  }
}

/** A message for listener unit tests: `ack`, `nak` and `term` are spies; `settlement` says which ran first. */
export function createFakeMessage(options: FakeMessageOptions = {}): FakeEventMessage {
  return new RecordingMessage(options);
}

/**
 * An in-memory Transport: `publish` is a spy resolving immediately (de-duplicating by message id like
 * the broker), `deliver` hands a message to the listeners subscribed to a subject.
 */
export class FakeTransport implements Transport {
  readonly kind = 'fake';
  readonly deadLetters = undefined;
  readonly publish: PublishFn;
  private readonly calls: unknown[][] = [];
  private readonly seenIds = new Set<string>();
  private readonly handlers = new Map<string, Set<DeliveryHandler>>();
  private seq = 0;

  constructor() {
    const record: PublishFn = async (subject, data, options) => {
      if (!isMock(this.publish)) this.calls.push([subject, data, options]);
      const msgId = options?.msgId;
      const duplicate = msgId !== undefined && this.seenIds.has(msgId);
      if (msgId !== undefined) this.seenIds.add(msgId);
      return { duplicate, stream: 'FAKE', seq: duplicate ? this.seq : ++this.seq };
    };
    this.publish = spy(record);
  }

  /** Every publish call so far, optionally only those on `subject`, in order. */
  published(): PublishedEvent[];
  published<S extends Subjects>(subject: S): PublishedEvent<EventData<S>>[];
  published(subject?: string): PublishedEvent[];
  published(subject?: string): PublishedEvent[] {
    const calls = isMock(this.publish) ? this.publish.mock.calls : this.calls;
    return calls
      .map(([s, data, options]) => ({
        subject: String(s),
        data,
        msgId: (options as PublishOptions | undefined)?.msgId,
      }))
      .filter((event) => subject === undefined || event.subject === subject);
  }

  /** Forgets published events (the spy's calls too) and seen message ids. */
  reset(): void {
    this.calls.length = 0;
    this.seenIds.clear();
    if (isMock(this.publish)) (this.publish as unknown as { mockClear(): void }).mockClear();
  }

  async subscribe(subject: string, options: SubscribeOptions, handler: DeliveryHandler): Promise<TransportSubscription> {
    const set = this.handlers.get(subject) ?? new Set<DeliveryHandler>();
    set.add(handler);
    this.handlers.set(subject, set);
    return { subject, queueGroup: options.queueGroup, close: async () => void set.delete(handler) };
  }

  /** Delivers `data` to every handler subscribed on `subject`; resolves with the messages once handled. */
  async deliver(subject: string, data: unknown, options: Omit<FakeMessageOptions, 'subject' | 'data'> = {}): Promise<FakeEventMessage[]> {
    const messages: FakeEventMessage[] = [];
    for (const handler of this.handlers.get(subject) ?? []) {
      const msg = createFakeMessage({ ...options, subject, data });
      messages.push(msg);
      await handler(msg);
    }
    return messages;
  }

  isConnected(): boolean {
    return true;
  }

  onStatus(_listener: (status: ConnectionStatus) => void): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {}
}

/**
 * Stands in for a service's `natsWrapper` in Jest: a service's `src/__mocks__/nats-wrapper.ts` is
 * `export { fakeNatsWrapper as natsWrapper } from '@ticketing/testkit';`
 */
export class FakeNatsWrapper {
  readonly client = new FakeTransport();
  readonly connect = spy(async (): Promise<Transport> => this.client);
  readonly close = spy(async (): Promise<void> => undefined);

  isConnected(): boolean {
    return true;
  }

  onStatus(_listener: (status: ConnectionStatus) => void): () => void {
    return () => undefined;
  }

  onReconnect(_listener: () => void): () => void {
    return () => undefined;
  }

  /** Shorthand for `client.published(subject)`. */
  published(): PublishedEvent[];
  published<S extends Subjects>(subject: S): PublishedEvent<EventData<S>>[];
  published(subject?: string): PublishedEvent[];
  published(subject?: string): PublishedEvent[] {
    return this.client.published(subject);
  }

  reset(): void {
    this.client.reset();
  }
}

/** One per test file (Jest gives each file its own module registry). */
export const fakeNatsWrapper = new FakeNatsWrapper();
