import { startLocalStack, SERVICE_NAMES, SERVICE_ROUTES } from './local-stack';

/**
 * `npm start`: the whole suite on embedded defaults behind one port. Prints where everything listens
 * and stops every process it started on Ctrl-C or SIGTERM.
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid configuration: PORT must be a port number, got "${process.env.PORT}"`);
  }
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const stack = await startLocalStack({ port, env: process.env, log: say });

  say('');
  say(`ticketing is up: gateway ${stack.url}`);
  say(`  /             -> the web client (client/dist; \`npm run build -w client\` after editing it)`);
  for (const name of SERVICE_NAMES) {
    const urls = stack.services[name].map((s) => `${s.url} (pid ${s.pid})`).join(', ');
    say(`  ${SERVICE_ROUTES[name].padEnd(13)} -> ${name} at ${urls}`);
    say(`  ${''.padEnd(13)}    database ${stack.mongoUris[name]}`);
  }
  say(`  NATS ${stack.natsUrl}${stack.nats ? ` (pid ${stack.nats.pid}, store ${stack.nats.storeDir})` : ''}`);
  say(
    stack.stripe ? `  Stripe: local test server ${stack.stripe.url} (test cards only)` : '  Stripe: STRIPE_SECRET_KEY from the environment',
  );
  say('Press Ctrl-C to stop.');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping services, broker and database`);
    stack.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
