// Runs the local Stripe server on its own: `PORT=12111 node local-stack/dist/stripe/main.js`.
import { startLocalStripe } from './stripe-server';

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 12111);
  const host = process.env.HOST ?? '127.0.0.1';
  const latencyMs = Number(process.env.STRIPE_LATENCY_MS ?? 0);
  const stripe = await startLocalStripe({ port, host, latencyMs });
  process.stdout.write(`local Stripe listening on ${stripe.url} (secret key ${stripe.secretKey})\n`);
  const shutdown = (): void => {
    void stripe.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`local Stripe failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
