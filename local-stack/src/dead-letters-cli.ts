import { runDeadLettersCommand } from './dead-letters/dead-letters-command';

// `npm run dead-letters -- list | show ID | replay ID | discard ID [--queue-group G] [--json]`; --help for the rest.
runDeadLettersCommand(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`dead-letters: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
