import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { StanClient, StanConnect, StanMessage, StanSubscription, StanSubscriptionOptions } from '../../transport/streaming-transport';

interface ModuleDefinition {
  name: string;
  files: { name: string }[];
}
/** What require-in-the-middle calls when a module loads; Jest's module registry never goes through it. */
interface RequireHook {
  getModuleDefinitions(): ModuleDefinition[];
  _onRequire(definition: ModuleDefinition, exports: unknown, name: string, baseDir?: string): unknown;
}

/**
 * Instrumentations patch modules from a `require` hook that Jest's module registry bypasses: this
 * hands them the modules as Jest loaded them (`resolveFrom`: where the package is required from, e.g.
 * mongoose's folder for its own mongodb driver), with the version checks the hook would make.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- the modules are required by name, as the hook sees them */
export function patchUnderJest(instrumentation: object, resolveFrom = __dirname): void {
  const hook = instrumentation as RequireHook;
  for (const definition of hook.getModuleDefinitions()) {
    if (isBuiltin(definition.name)) {
      hook._onRequire(definition, require(definition.name), definition.name);
      continue;
    }
    const main = require.resolve(definition.name, { paths: [resolveFrom] });
    const marker = `node_modules${path.sep}${definition.name}`;
    const baseDir = main.slice(0, main.lastIndexOf(marker) + marker.length);
    hook._onRequire(definition, require(main), definition.name, baseDir);
    for (const file of definition.files) {
      // Files of other major versions are absent; the hook itself skips those of unsupported versions.
      const filePath = path.join(baseDir, path.relative(definition.name, file.name));
      if (existsSync(filePath)) hook._onRequire(definition, require(filePath), file.name, baseDir);
    }
  }
}
/* eslint-enable @typescript-eslint/no-require-imports */

class LoopbackOptions implements StanSubscriptionOptions {
  setDeliverAllAvailable = () => this;
  setManualAckMode = () => this;
  setAckWait = () => this;
  setDurableName = () => this;
  setMaxInFlight = () => this;
}

class LoopbackSubscription extends EventEmitter implements StanSubscription {
  close(): void {
    this.removeAllListeners('message');
  }
}

/**
 * A stand-in for a NATS Streaming server and node-nats-streaming's client in one (no STAN server can
 * run on the test machines): what one client publishes is delivered to every queue group subscribed
 * to the subject, one member each.
 */
export class LoopbackStan {
  readonly published: { subject: string; data: string }[] = [];
  private readonly groups = new Map<string, LoopbackSubscription[]>();

  readonly connect: StanConnect = () => {
    const client = new EventEmitter() as EventEmitter & StanClient;
    Object.assign(client, {
      publish: (subject: string, data: string, callback: (err: undefined, guid: string) => void) => {
        this.published.push({ subject, data });
        const sequence = this.published.length;
        setImmediate(() => {
          callback(undefined, `guid-${sequence}`);
          for (const [key, members] of this.groups)
            if (key.startsWith(`${subject}|`) && members[0]) members[0].emit('message', message(subject, data, sequence));
        });
        return `guid-${sequence}`;
      },
      subscribe: (subject: string, queueGroup: string) => {
        const subscription = new LoopbackSubscription();
        const key = `${subject}|${queueGroup}`;
        this.groups.set(key, [...(this.groups.get(key) ?? []), subscription]);
        setImmediate(() => subscription.emit('ready'));
        return subscription;
      },
      subscriptionOptions: () => new LoopbackOptions(),
      close: () => setImmediate(() => client.emit('close')),
    });
    setImmediate(() => client.emit('connect', client));
    return client;
  };
}

function message(subject: string, data: string, sequence: number): StanMessage {
  return {
    getSubject: () => subject,
    getSequence: () => sequence,
    getRawData: () => Buffer.from(data, 'utf8'),
    isRedelivered: () => false,
    ack: () => undefined,
  };
}

/** A local OTLP/HTTP collector that records what is POSTed to /v1/traces. */
export async function startOtlpReceiver(): Promise<{
  url: string;
  posts: { contentType: string; body: string }[];
  close(): Promise<void>;
}> {
  const posts: { contentType: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces')
        posts.push({ contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
