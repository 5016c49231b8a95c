// The OTLP export runs outside Jest: the exporter loads its HTTP agent with a dynamic import, which
// Jest's VM refuses. TypeScript sources are transpiled on require by the repository's TypeScript.
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  module._compile(ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText, filename);
};

const { startTracing, tracingHooks } = require(path.join(__dirname, '..', 'index.ts'));

// The standard OTEL_* variables come from the environment, as in a service; the span ends and waits for the batch.
const tracing = startTracing({ serviceName: process.argv[2] });
void tracingHooks().publish({ subject: 'ticket:created', msgId: 'ticket:created:1:0' }, undefined, async () => undefined);
process.on('SIGTERM', () => void tracing.shutdown().then(() => process.exit(0)));
setInterval(() => undefined, 1_000);
