// TCP listener and connections. Each connection handles its messages one at a time, in order, as
// mongod does; different connections interleave freely (a command only yields while it waits).
import net from 'node:net';
import { CLOSE_CONNECTION, Dispatcher } from './dispatch';
import type { ConnectionInfo } from './commands';
import { endSession } from './commands';
import { getPathValues, isDoc, type Doc } from './values';
import type { ServerState } from './state';
import { MSG_MORE_TO_COME, MessageReader, ProtocolError, encodeMsg, encodeReply, parseMessage } from './wire';

let nextRequestId = 1;
function requestId(): number {
  nextRequestId = (nextRequestId % 0x7fffffff) + 1;
  return nextRequestId;
}

class Connection {
  private readonly reader = new MessageReader();
  private queue: Promise<void> = Promise.resolve();
  readonly info: ConnectionInfo;

  constructor(
    private readonly socket: net.Socket,
    private readonly state: ServerState,
    private readonly dispatcher: Dispatcher,
    id: number,
  ) {
    this.info = { id, remote: `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`, appName: undefined, closeAfterReply: false };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
  }

  private onData(chunk: Buffer): void {
    let messages: Buffer[];
    try {
      messages = this.reader.push(chunk);
    } catch (error) {
      this.protocolFailure(error);
      return;
    }
    for (const message of messages) {
      this.queue = this.queue.then(() => this.handle(message)).catch((error: unknown) => this.protocolFailure(error));
    }
  }

  private protocolFailure(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.state.log.warn('NETWORK', 22988, `conn${this.info.id}`, 'Error receiving request from client. Ending connection from remote', {
      error: message,
      remote: this.info.remote,
      protocol: error instanceof ProtocolError,
    });
    this.socket.destroy();
  }

  private async handle(raw: Buffer): Promise<void> {
    if (this.socket.destroyed) return;
    const message = parseMessage(raw);
    if (message.kind === 'unsupported') {
      throw new ProtocolError(`unsupported opCode ${message.header.opCode} (compression and legacy opcodes are not supported)`);
    }
    if (message.kind === 'query') {
      const db = message.fullCollectionName.endsWith('.$cmd') ? message.fullCollectionName.slice(0, -5) : 'admin';
      const body = isDoc(message.query.$query) ? message.query.$query : message.query;
      const result = await this.dispatcher.run(this.info, db, body);
      this.respond(result, (doc) => encodeReply(requestId(), message.header.requestId, doc), false);
      return;
    }
    const db = typeof message.body.$db === 'string' ? message.body.$db : 'admin';
    const result = await this.dispatcher.run(this.info, db, message.body);
    this.respond(result, (doc) => encodeMsg(requestId(), message.header.requestId, doc), (message.flags & MSG_MORE_TO_COME) !== 0);
  }

  private respond(result: Doc | typeof CLOSE_CONNECTION, encode: (doc: Doc) => Buffer, noReply: boolean): void {
    if (result === CLOSE_CONNECTION || this.info.closeAfterReply) {
      this.socket.destroy();
      return;
    }
    if (noReply || this.socket.destroyed) return;
    this.socket.write(encode(result));
  }

  close(): void {
    this.socket.destroy();
  }
}

export class MongodServer {
  private readonly listeners: net.Server[] = [];
  private readonly connections = new Set<Connection>();
  private readonly dispatcher: Dispatcher;
  private housekeeping: NodeJS.Timeout | undefined;
  private ttl: NodeJS.Timeout | undefined;

  constructor(private readonly state: ServerState) {
    this.dispatcher = new Dispatcher(state);
  }

  /** Listens on every --bind_ip address. Rejects with the listen error (e.g. EADDRINUSE). */
  async listen(): Promise<void> {
    const addresses = this.state.options.bindIp
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a.length > 0);
    for (const address of addresses.length > 0 ? addresses : ['127.0.0.1']) {
      const listener = net.createServer((socket) => this.accept(socket));
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(this.state.options.port, address, () => {
          listener.off('error', reject);
          resolve();
        });
      });
      this.listeners.push(listener);
      this.state.log.info('NETWORK', 23015, 'listener', 'Listening on', { address });
    }
    this.housekeeping = setInterval(() => this.sweepIdle(), 30_000);
    this.housekeeping.unref();
    this.ttl = setInterval(() => this.sweepTtl(), this.state.options.ttlIntervalMs);
    this.ttl.unref();
  }

  get port(): number {
    const address = this.listeners[0]?.address();
    return address && typeof address === 'object' ? address.port : this.state.options.port;
  }

  private accept(socket: net.Socket): void {
    this.state.connectionsCurrent += 1;
    this.state.connectionsTotal += 1;
    const connection = new Connection(socket, this.state, this.dispatcher, this.state.connectionsTotal);
    this.connections.add(connection);
    socket.on('close', () => {
      this.state.connectionsCurrent -= 1;
      this.connections.delete(connection);
    });
  }

  private sweepIdle(): void {
    this.state.cursors.expireIdle();
    for (const session of this.state.sessions.expire(30 * 60 * 1000)) endSession(this.state, session.key);
  }

  /** Removes documents whose TTL index date is past its expiry (committed state only). */
  sweepTtl(now = Date.now()): number {
    let removed = 0;
    const { catalog, engine } = this.state;
    // A secondary deletes nothing of its own accord (a primary's deletions replicate to it).
    if (this.state.steppedDown) return 0;
    engine.pruneAll();
    for (const collection of [...catalog.allCollections()]) {
      for (const index of collection.indexes) {
        if (index.expireAfterSeconds === undefined || index.fields.length !== 1) continue;
        const limit = now - index.expireAfterSeconds * 1000;
        // The index's dates up to the limit: only those documents may have expired.
        const bounds = [[{ low: { edge: 'min', rank: 10 } as const, high: { value: new Date(limit), inclusive: true } }]];
        const candidates = new Set([...index.ordered.scan(bounds, 1, { keysExamined: 0 })].map((entry) => entry.record));
        for (const record of candidates) {
          if (record.lock) continue;
          const doc = record.latest()?.doc;
          if (!doc) continue;
          const dates = getPathValues(doc, index.fields[0])
            .flatMap((v) => (Array.isArray(v) ? v : [v]))
            .filter((v): v is Date => v instanceof Date);
          if (dates.length === 0 || Math.min(...dates.map((d) => d.getTime())) > limit) continue;
          engine.write(collection, record.key, null, undefined, false);
          removed += 1;
        }
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.housekeeping) clearInterval(this.housekeeping);
    if (this.ttl) clearInterval(this.ttl);
    for (const connection of this.connections) connection.close();
    await Promise.all(this.listeners.map((listener) => new Promise<void>((resolve) => listener.close(() => resolve()))));
  }
}
