import { str } from 'envalid';
import { natsUrlList, streamReplicas } from './broker-config';
import { JetStreamTransport } from './jetstream-transport';
import { StreamingTransport, type StreamingTransportOptions } from './streaming-transport';
import type { Transport, TransportConfig } from './transport';

/** Connects the transport `config.NATS_TRANSPORT` names (JetStream unless it says `streaming`). */
export async function createTransport(config: TransportConfig, options: StreamingTransportOptions = {}): Promise<Transport> {
  const kind = config.NATS_TRANSPORT ?? 'jetstream';
  switch (kind) {
    case 'jetstream':
      return JetStreamTransport.connect(config, options);
    case 'streaming':
      return StreamingTransport.connect(config, options);
    default:
      throw new Error(`Unknown NATS_TRANSPORT "${String(kind)}": use jetstream or streaming`);
  }
}

/**
 * envalid spec for the broker variables, to spread into a service's config spec. NATS_USER and
 * NATS_PASSWORD are optional (a broker outside the stack may take no credentials). NATS_CLUSTER_ID and
 * NATS_CLIENT_ID are checked by the streaming transport when it connects (JetStream ignores the cluster id).
 */
export const natsConfigSpec = {
  NATS_TRANSPORT: str({ choices: ['jetstream', 'streaming'] as const, default: 'jetstream', desc: 'Broker protocol' }),
  NATS_URL: natsUrlList({ desc: "NATS server URL, or a cluster's URLs comma-separated, e.g. nats://nats-0:4222,nats://nats-1:4222" }),
  NATS_STREAM_REPLICAS: streamReplicas({ default: 1, desc: 'JetStream replicas of the streams and durable consumers (1-5)' }),
  NATS_CLUSTER_ID: str({ default: '', desc: 'NATS Streaming cluster id (streaming only)' }),
  NATS_CLIENT_ID: str({ default: '', desc: 'Unique client id (streaming: required; JetStream: connection name)' }),
  NATS_USER: str({ default: '', desc: "The service's NATS user (empty: connect without credentials)" }),
  NATS_PASSWORD: str({ default: '', desc: "The NATS user's password" }),
};
