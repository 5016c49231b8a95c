// Structured log lines in mongod's 4.4+ JSON format on stdout. mongodb-memory-server watches them for
// "Waiting for connections" and "transition to primary complete; database writes are now permitted".

export type Severity = 'I' | 'W' | 'E' | 'F' | 'D1';

export interface LogSink {
  write(line: string): void;
}

export class Logger {
  constructor(
    private readonly sink: LogSink,
    private readonly quiet = false,
  ) {}

  log(severity: Severity, component: string, id: number, ctx: string, msg: string, attr?: Record<string, unknown>): void {
    if (this.quiet && severity === 'D1') return;
    const entry: Record<string, unknown> = { t: { $date: new Date().toISOString() }, s: severity, c: component, id, ctx, msg };
    if (attr) entry.attr = attr;
    this.sink.write(`${JSON.stringify(entry)}\n`);
  }

  info(component: string, id: number, ctx: string, msg: string, attr?: Record<string, unknown>): void {
    this.log('I', component, id, ctx, msg, attr);
  }

  warn(component: string, id: number, ctx: string, msg: string, attr?: Record<string, unknown>): void {
    this.log('W', component, id, ctx, msg, attr);
  }

  error(component: string, id: number, ctx: string, msg: string, attr?: Record<string, unknown>): void {
    this.log('E', component, id, ctx, msg, attr);
  }
}

export const stdoutSink: LogSink = { write: (line) => process.stdout.write(line) };
