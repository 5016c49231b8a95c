// mongod's command line, as far as mongodb-memory-server and people starting it by hand use it.
import { SERVER_VERSION, type ServerOptions } from './state';

export const DOUBLE_NOTICE =
  'Ticketing MongoDB test double: speaks the MongoDB wire protocol for tests and development; not a database (in memory only, no auth, no persistence)';

export type ParsedArgs =
  { kind: 'version' } | { kind: 'help' } | { kind: 'run'; options: ServerOptions; ignored: string[]; warnings: string[] };

/** Flags that take a value and are accepted without effect. */
const IGNORED_WITH_VALUE = new Set([
  '--storageEngine',
  '--logpath',
  '--keyFile',
  '--oplogSize',
  '--wiredTigerCacheSizeGB',
  '--pidfilepath',
  '--config',
  '-f',
  '--enableMajorityReadConcern',
  '--maxConns',
  '--clusterAuthMode',
  '--tlsMode',
  '--sslMode',
]);
const IGNORED_FLAGS = new Set([
  '--noauth',
  '--quiet',
  '--nounixsocket',
  '--journal',
  '--nojournal',
  '--ipv6',
  '--logappend',
  '--fork',
  '--noprealloc',
  '--smallfiles',
  '--notablescan',
  '--enableFreeMonitoring',
  '-v',
  '-vv',
  '-vvv',
]);

export function parseArgs(argv: string[]): ParsedArgs {
  const options: ServerOptions = {
    port: 27017,
    bindIp: '127.0.0.1',
    replSet: undefined,
    dbPath: undefined,
    transactionLifetimeMs: 60_000,
    ttlIntervalMs: 1_000,
    argv,
  };
  const ignored: string[] = [];
  const warnings: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let inline: string | undefined;
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 0) {
      inline = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    const value = (): string => {
      if (inline !== undefined) return inline;
      i += 1;
      if (i >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[i];
    };
    switch (flag) {
      case '--version':
        return { kind: 'version' };
      case '--help':
      case '-h':
        return { kind: 'help' };
      case '--port': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${String(port)}`);
        options.port = port;
        break;
      }
      case '--bind_ip':
        options.bindIp = value();
        break;
      case '--bind_ip_all':
        options.bindIp = '0.0.0.0';
        break;
      case '--replSet':
        options.replSet = value();
        break;
      case '--dbpath':
        options.dbPath = value();
        break;
      case '--auth':
        warnings.push('--auth is not supported: the test double does not authenticate clients');
        break;
      case '--setParameter': {
        const [name, raw] = value().split('=');
        if (name === 'transactionLifetimeLimitSeconds') options.transactionLifetimeMs = Number(raw) * 1000;
        else if (name === 'ttlMonitorSleepSecs') options.ttlIntervalMs = Math.max(100, Number(raw) * 1000);
        else ignored.push(`--setParameter ${name}`);
        break;
      }
      default:
        if (IGNORED_WITH_VALUE.has(flag)) {
          ignored.push(`${flag} ${value()}`);
        } else if (IGNORED_FLAGS.has(flag)) {
          ignored.push(flag);
        } else {
          ignored.push(flag);
          warnings.push(`unknown option ${flag} ignored`);
        }
    }
  }
  return { kind: 'run', options, ignored, warnings };
}

export function versionText(): string {
  const buildInfo = {
    version: SERVER_VERSION,
    gitVersion: 'ticketing-test-double',
    modules: [],
    allocator: 'system',
    environment: { distmod: 'node', distarch: process.arch, target_arch: process.arch },
  };
  return `db version v${SERVER_VERSION}\n${DOUBLE_NOTICE}\nBuild Info: ${JSON.stringify(buildInfo, null, 4)}\n`;
}

export function helpText(): string {
  return [
    `${DOUBLE_NOTICE}`,
    '',
    'Options:',
    '  --port <n>            port to listen on (default 27017; 0 picks a free port)',
    '  --bind_ip <ips>       comma-separated addresses (default 127.0.0.1)',
    '  --replSet <name>      run as a single-node replica set (initiate with replSetInitiate)',
    '  --dbpath <dir>        accepted; data is kept in memory only',
    '  --setParameter transactionLifetimeLimitSeconds=<n> | ttlMonitorSleepSecs=<n>',
    '  --version, --help',
    '  --storageEngine, --noauth and other mongod flags are accepted and ignored',
    '',
  ].join('\n');
}
