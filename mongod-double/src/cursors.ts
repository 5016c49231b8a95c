// Server-side cursors. A query's results are materialised when it runs (so a cursor in a transaction
// keeps reading that transaction's snapshot) and handed out in batches through getMore.
import { Long, calculateObjectSize } from 'bson';
import type { Doc } from './values';

export const DEFAULT_FIRST_BATCH = 101;
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

export interface Cursor {
  readonly id: Long;
  readonly ns: string;
  readonly docs: Doc[];
  position: number;
  /** Default batch size for getMore (the command's own batchSize, if any). */
  readonly batchSize: number | undefined;
  readonly sessionKey: string | undefined;
  lastUse: number;
}

export interface Batch {
  cursorId: Long;
  docs: Doc[];
}

export class CursorRegistry {
  private readonly cursors = new Map<string, Cursor>();

  /** Takes the first batch; registers a cursor only if documents remain. */
  open(
    ns: string,
    docs: Doc[],
    firstBatchSize: number | undefined,
    getMoreBatchSize: number | undefined,
    singleBatch: boolean,
    sessionKey: string | undefined,
  ): Batch {
    const size = firstBatchSize === undefined ? DEFAULT_FIRST_BATCH : firstBatchSize;
    const first = takeBatch(docs, 0, size === 0 ? 0 : size);
    if (singleBatch || first.length >= docs.length) return { cursorId: Long.ZERO, docs: first };
    const id = this.newId();
    this.cursors.set(id.toString(), {
      id,
      ns,
      docs,
      position: first.length,
      batchSize: getMoreBatchSize,
      sessionKey,
      lastUse: Date.now(),
    });
    return { cursorId: id, docs: first };
  }

  get(id: Long): Cursor | undefined {
    return this.cursors.get(id.toString());
  }

  next(cursor: Cursor, batchSize: number | undefined): Batch {
    cursor.lastUse = Date.now();
    const batch = takeBatch(cursor.docs, cursor.position, batchSize ?? cursor.batchSize ?? Number.POSITIVE_INFINITY);
    cursor.position += batch.length;
    if (cursor.position >= cursor.docs.length) {
      this.cursors.delete(cursor.id.toString());
      return { cursorId: Long.ZERO, docs: batch };
    }
    return { cursorId: cursor.id, docs: batch };
  }

  kill(id: Long): boolean {
    return this.cursors.delete(id.toString());
  }

  killSession(sessionKey: string): void {
    for (const [key, cursor] of this.cursors) if (cursor.sessionKey === sessionKey) this.cursors.delete(key);
  }

  expireIdle(now = Date.now()): void {
    for (const [key, cursor] of this.cursors) if (now - cursor.lastUse > IDLE_TIMEOUT_MS) this.cursors.delete(key);
  }

  get size(): number {
    return this.cursors.size;
  }

  private newId(): Long {
    for (;;) {
      const id = Long.fromNumber(Math.floor(Math.random() * Number.MAX_SAFE_INTEGER) + 1);
      if (!this.cursors.has(id.toString())) return id;
    }
  }
}

/** Up to `count` documents from `from`, and no more than 16 MiB (at least one document). */
function takeBatch(docs: Doc[], from: number, count: number): Doc[] {
  const out: Doc[] = [];
  let bytes = 0;
  for (let i = from; i < docs.length && out.length < count; i++) {
    if (count > DEFAULT_FIRST_BATCH) {
      bytes += calculateObjectSize(docs[i]);
      if (bytes > MAX_BATCH_BYTES && out.length > 0) break;
    }
    out.push(docs[i]);
  }
  return out;
}
