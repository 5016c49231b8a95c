import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, type JetStreamPublishOptions } from '@nats-io/jetstream';
import { replayMessageId, type DeadLetterAdmin, type ReplayOptions } from './dead-letters';
import { deadLetterSubject } from './names';
import type { DeadLetter, DeadLetterRecord, PublishAck, PublishOptions } from './transport';

const encoder = new TextEncoder();

/** What the dead letters need of the JetStream transport (kept structural, so neither file imports the other). */
export interface DeadLetterHost {
  readonly jsm: JetStreamManager;
  readonly deadLetterStreamName: string;
  publishBody(
    subject: string,
    body: Uint8Array,
    options?: PublishOptions & { expect?: JetStreamPublishOptions['expect'] },
  ): Promise<PublishAck>;
}

/** Dead letters as messages of the `DEAD_LETTERS` stream, one subject per (consumer, stream sequence). */
export class JetStreamDeadLetters implements DeadLetterAdmin {
  constructor(private readonly transport: DeadLetterHost) {}

  async record(entry: DeadLetterRecord): Promise<boolean> {
    const stored: Omit<DeadLetter, 'id'> = { ...entry, time: new Date().toISOString() };
    try {
      await this.transport.publishBody(
        deadLetterSubject(entry.consumer, entry.streamSequence),
        encoder.encode(JSON.stringify(stored)),
        // Only if nothing is stored on that subject yet: the listener and the advisory may both report it.
        { expect: { lastSubjectSequence: 0 } },
      );
      return true;
    } catch (err) {
      const cause = err instanceof Error ? err.cause : undefined;
      if (cause instanceof JetStreamApiError && cause.code === JetStreamApiCodes.StreamWrongLastSequence) return false;
      throw err;
    }
  }

  async list(): Promise<DeadLetter[]> {
    const { jsm, deadLetterStreamName } = this.transport;
    const info = await jsm.streams.info(deadLetterStreamName);
    const letters: DeadLetter[] = [];
    if (info.state.messages === 0) return letters;
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const stored = await jsm.streams.getMessage(deadLetterStreamName, { seq }).catch(() => null);
      if (stored) letters.push({ ...stored.json<Omit<DeadLetter, 'id'>>(), id: String(seq) });
    }
    return letters;
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const seq = Number(id);
    if (!/^\d+$/.test(id) || !Number.isSafeInteger(seq) || seq <= 0) return undefined;
    const { jsm, deadLetterStreamName } = this.transport;
    const stored = await jsm.streams.getMessage(deadLetterStreamName, { seq }).catch(() => null);
    return stored ? { ...stored.json<Omit<DeadLetter, 'id'>>(), id: String(seq) } : undefined;
  }

  async replay(id: string, options: ReplayOptions = {}): Promise<PublishAck> {
    const letter = await this.existing(id, options);
    const original = letter.msgId ?? `${letter.subject}#${letter.streamSequence}`;
    const ack = await this.transport.publishBody(letter.subject, encoder.encode(letter.body), {
      msgId: replayMessageId(original, id, letter.queueGroup),
    });
    await this.transport.jsm.streams.deleteMessage(this.transport.deadLetterStreamName, Number(id), false);
    return ack;
  }

  async discard(id: string, options: ReplayOptions = {}): Promise<void> {
    await this.existing(id, options);
    await this.transport.jsm.streams.deleteMessage(this.transport.deadLetterStreamName, Number(id), false);
  }

  private async existing(id: string, options: ReplayOptions): Promise<DeadLetter> {
    const letter = await this.get(id);
    if (!letter) throw new Error(`No dead letter with id ${id}`);
    if (options.queueGroup !== undefined && options.queueGroup !== letter.queueGroup) {
      throw new Error(`Dead letter ${id} belongs to queue group ${letter.queueGroup}, not ${options.queueGroup}`);
    }
    return letter;
  }
}
