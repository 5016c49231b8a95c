import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, type JetStreamPublishOptions } from '@nats-io/jetstream';
import { deadLetterSubject } from './names';
import type { DeadLetter, DeadLetterRecord, DeadLetterStore, PublishAck, PublishOptions } from './transport';

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
export class JetStreamDeadLetters implements DeadLetterStore {
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

  async replay(id: string): Promise<PublishAck> {
    const { jsm, deadLetterStreamName } = this.transport;
    const seq = Number(id);
    const stored =
      Number.isSafeInteger(seq) && seq > 0 ? await jsm.streams.getMessage(deadLetterStreamName, { seq }).catch(() => null) : null;
    if (!stored) throw new Error(`No dead letter with id ${id}`);
    const letter = stored.json<Omit<DeadLetter, 'id'>>();
    const original = letter.msgId ?? `${letter.subject}#${letter.streamSequence}`;
    const ack = await this.transport.publishBody(letter.subject, encoder.encode(letter.body), {
      msgId: `${original}:replay:${id}`,
    });
    await jsm.streams.deleteMessage(deadLetterStreamName, seq, false);
    return ack;
  }
}
