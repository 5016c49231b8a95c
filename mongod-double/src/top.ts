// Per-collection usage as mongod's `top` command reports it: for each namespace, how many operations
// of each kind ran on it and how long they took (microseconds).
import type { Doc } from './values';

type Usage = { time: number; count: number };

const KINDS = ['total', 'readLock', 'writeLock', 'queries', 'getmore', 'insert', 'update', 'remove', 'commands'] as const;
type Kind = (typeof KINDS)[number];

/** The kind a command counts as besides `total` and its lock (mongod's Top logical operations). */
function kindOf(command: string): Kind {
  switch (command) {
    case 'find':
      return 'queries';
    case 'getMore':
      return 'getmore';
    case 'insert':
      return 'insert';
    case 'update':
      return 'update';
    case 'delete':
      return 'remove';
    default:
      return 'commands';
  }
}

/** The collection a command works on, or undefined for commands on no collection (hello, commitTransaction...). */
export function namespaceOf(db: string, command: string, body: Doc): string | undefined {
  const target = command === 'getMore' ? body.collection : body[command];
  return typeof target === 'string' && target.length > 0 ? `${db}.${target}` : undefined;
}

export class TopCounters {
  private readonly byNamespace = new Map<string, Record<Kind, Usage>>();

  record(namespace: string, command: string, writes: boolean, micros: number): void {
    let usage = this.byNamespace.get(namespace);
    if (!usage) {
      usage = Object.fromEntries(KINDS.map((kind) => [kind, { time: 0, count: 0 }])) as Record<Kind, Usage>;
      this.byNamespace.set(namespace, usage);
    }
    for (const kind of ['total', writes ? 'writeLock' : 'readLock', kindOf(command)] as const) {
      usage[kind].time += micros;
      usage[kind].count += 1;
    }
  }

  /** A dropped collection's counters go with it, as on mongod. */
  forget(namespace: string): void {
    this.byNamespace.delete(namespace);
  }

  forgetDatabase(db: string): void {
    for (const namespace of this.byNamespace.keys()) if (namespace.startsWith(`${db}.`)) this.byNamespace.delete(namespace);
  }

  reply(): Doc {
    const totals: Doc = { note: 'all times in microseconds' };
    for (const [namespace, usage] of [...this.byNamespace].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      totals[namespace] = Object.fromEntries(KINDS.map((kind) => [kind, { ...usage[kind] }]));
    }
    return { totals, ok: 1 };
  }
}
