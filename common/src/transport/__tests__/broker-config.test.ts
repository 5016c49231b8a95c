import { validateConfig } from '../../core/config';
import { natsConfigSpec } from '../create-transport';
import { natsServers } from '../broker-config';

const load = (env: NodeJS.ProcessEnv) => validateConfig(natsConfigSpec, env);

describe('broker configuration', () => {
  it('when NATS_URL is one URL, then it is the only server and NATS_STREAM_REPLICAS defaults to 1', () => {
    const config = load({ NATS_URL: 'nats://nats-srv:4222' });
    expect(config.NATS_URL).toBe('nats://nats-srv:4222');
    expect(config.NATS_STREAM_REPLICAS).toBe(1);
    expect(natsServers(config.NATS_URL)).toEqual(['nats://nats-srv:4222']);
  });

  it('when NATS_URL lists a cluster comma-separated (blanks around commas), then each server is kept in order', () => {
    const config = load({ NATS_URL: ' nats://nats-0:4222 ,nats://nats-1:4222,  nats://user:pw@nats-2:4222 ' });
    expect(natsServers(config.NATS_URL)).toEqual(['nats://nats-0:4222', 'nats://nats-1:4222', 'nats://user:pw@nats-2:4222']);
  });

  it.each([['http://nats:4222'], ['nats-srv:4222'], ['nats://nats-0:4222,localhost:4222'], [','], ['nats://']])(
    'when NATS_URL is %j, then the configuration is refused naming NATS_URL',
    (url) => {
      expect(() => load({ NATS_URL: url })).toThrow(
        /NATS_URL is invalid \(must be one or more comma-separated URLs \(each with the nats scheme and a host\)\)/,
      );
    },
  );

  it('when a refused NATS_URL holds a password, then the message does not echo it', () => {
    expect(() => load({ NATS_URL: 'http://user:s3cret@nats:4222' })).toThrow(/NATS_URL is invalid/);
    expect(() => load({ NATS_URL: 'http://user:s3cret@nats:4222' })).not.toThrow(/s3cret/);
  });

  it.each([
    ['1', 1],
    ['3', 3],
    ['5', 5],
  ])('when NATS_STREAM_REPLICAS is %s, then streams and durables get %i replicas', (raw, replicas) => {
    expect(load({ NATS_URL: 'nats://nats:4222', NATS_STREAM_REPLICAS: raw }).NATS_STREAM_REPLICAS).toBe(replicas);
  });

  it.each([['0'], ['6'], ['2.5'], ['three'], ['-1']])('when NATS_STREAM_REPLICAS is %s, then it is refused naming the variable', (raw) => {
    expect(() => load({ NATS_URL: 'nats://nats:4222', NATS_STREAM_REPLICAS: raw })).toThrow(
      /NATS_STREAM_REPLICAS is invalid \(must be an integer from 1 to 5\)/,
    );
  });
});
