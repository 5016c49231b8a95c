import { makeValidator } from 'envalid';

// The broker's own configuration values: the server list and the replica count.

/**
 * The servers of NATS_URL: one URL, or several comma-separated (a cluster's nodes; the client picks
 * one and fails over to the others). Blanks around commas are ignored.
 */
export function natsServers(url: string): string[] {
  return url
    .split(',')
    .map((server) => server.trim())
    .filter((server) => server !== '');
}

/** NATS_URL: one or more comma-separated `nats://host:port` URLs. */
export const natsUrlList = makeValidator<string>((input) => {
  const servers = natsServers(input);
  // The message never quotes a URL: the config reporter masks the input (it may hold a password) in it.
  const invalid = 'must be one or more comma-separated URLs (each with the nats scheme and a host)';
  if (servers.length === 0) throw new Error(invalid);
  for (const server of servers) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(server);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.protocol !== 'nats:' || parsed.hostname === '') {
      throw new Error(invalid);
    }
  }
  return servers.join(',');
});

/** NATS_STREAM_REPLICAS: an integer 1-5 (JetStream's limit on `num_replicas`). */
export const streamReplicas = makeValidator<number>((input) => {
  const value = Number(input);
  if (!/^\s*\d+\s*$/.test(String(input)) || !Number.isInteger(value) || value < 1 || value > 5) {
    throw new Error('must be an integer from 1 to 5');
  }
  return value;
});
