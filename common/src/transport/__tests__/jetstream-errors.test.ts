import { JetStreamApiError } from '@nats-io/jetstream';
import { isTransient, isTransientAtStart } from '../jetstream-message';

// nats.js: `code` is JetStream's error number (err_code), `status` the HTTP-like code.
const apiError = (status: number, errCode: number, description: string) =>
  new JetStreamApiError({ code: status, err_code: errCode, description });

describe('which JetStream failures are retried', () => {
  it('when JetStream answers "temporarily unavailable" (status 503), then it is transient', () => {
    expect(isTransient(apiError(503, 10008, 'JetStream system temporarily unavailable'))).toBe(true);
  });

  it('when JetStream refuses the request (a 4xx status), then it is final, whatever its error number', () => {
    expect(isTransient(apiError(400, 10060, 'expected stream does not match'))).toBe(false);
    expect(isTransient(apiError(400, 503, 'an error number that reads like a status'))).toBe(false);
  });

  it('when a stream cannot be placed because a peer is offline, then it is final at run time but transient while starting', () => {
    const noPeers = apiError(400, 10005, 'no suitable peers for placement, peer offline');
    expect(isTransient(noPeers)).toBe(false);
    expect(isTransientAtStart(noPeers)).toBe(true);
  });

  it('when the server has no JetStream, then it is final while starting', () => {
    const notEnabled = new Error('jetstream is not enabled');
    notEnabled.name = 'JetStreamNotEnabled';
    expect(isTransientAtStart(notEnabled)).toBe(false);
  });

  it('when a request times out, then it is transient', () => {
    const timeout = new Error('timeout');
    timeout.name = 'TimeoutError';
    expect(isTransient(timeout)).toBe(true);
    expect(isTransientAtStart(timeout)).toBe(true);
  });
});
