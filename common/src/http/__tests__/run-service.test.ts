import express from 'express';
import request from 'supertest';
import { LifecycleHook } from '../../core';
import { runService, ServiceDefinition, startService } from '..';
import { captureLogger } from '../../test/capture-logger';

interface TestConfig {
  PORT: number;
}

function recordingHook(name: string, events: string[], failOn?: 'start' | 'stop'): LifecycleHook {
  return {
    name,
    start: async () => {
      if (failOn === 'start') throw new Error(`${name} cannot start`);
      events.push(`start ${name}`);
    },
    stop: async () => {
      events.push(`stop ${name}`);
      if (failOn === 'stop') throw new Error(`${name} cannot stop`);
    },
  };
}

function definition(events: string[], hooks: LifecycleHook[]): ServiceDefinition<TestConfig> {
  return {
    name: 'test-service',
    logger: captureLogger().logger,
    loadConfig: () => ({ PORT: 0 }),
    createApp: () => {
      events.push('create app');
      const app = express();
      app.get('/ping', (_req, res) => {
        res.send('pong');
      });
      return app;
    },
    hooks: () => hooks,
  };
}

describe('startService', () => {
  it('when started, then hooks start in order before listening, and stop in reverse after it stops', async () => {
    const events: string[] = [];
    const service = await startService(
      definition(events, [recordingHook('db', events), recordingHook('nats', events), recordingHook('relay', events)]),
    );
    await request(`http://127.0.0.1:${service.port}`).get('/ping').expect(200, 'pong');

    await service.stop();
    await service.stop();

    expect(events).toEqual(['start db', 'start nats', 'start relay', 'create app', 'stop relay', 'stop nats', 'stop db']);
    expect(service.server.listening).toBe(false);
  });

  it('when config is invalid, then it throws before starting anything', async () => {
    const events: string[] = [];
    const broken = {
      ...definition(events, [recordingHook('db', events)]),
      loadConfig: (): TestConfig => {
        throw new Error('Invalid configuration: JWT_KEY is required');
      },
    };
    await expect(startService(broken)).rejects.toThrow('JWT_KEY is required');
    expect(events).toEqual([]);
  });

  it('when a hook fails to start, then the ones already started are stopped and the error is thrown', async () => {
    const events: string[] = [];
    const hooks = [recordingHook('db', events), recordingHook('nats', events, 'start'), recordingHook('relay', events)];
    await expect(startService(definition(events, hooks))).rejects.toThrow('nats cannot start');
    expect(events).toEqual(['start db', 'stop db']);
  });

  it('when a hook fails to stop, then the others still stop and stop() rejects', async () => {
    const events: string[] = [];
    const hooks = [recordingHook('db', events), recordingHook('nats', events, 'stop')];
    const service = await startService(definition(events, hooks));
    await expect(service.stop()).rejects.toThrow('1 hook(s) failed to stop');
    expect(events).toEqual(['start db', 'start nats', 'create app', 'stop nats', 'stop db']);
  });
});

describe('runService', () => {
  it('when SIGTERM arrives, then it stops the hooks and exits 0', async () => {
    const events: string[] = [];
    const exited = new Promise<number>((resolve) => {
      void runService(definition(events, [recordingHook('db', events)]), {
        signals: ['SIGUSR2'],
        exit: resolve,
      }).then(() => {
        process.emit('SIGUSR2', 'SIGUSR2');
      });
    });
    expect(await exited).toBe(0);
    expect(events).toEqual(['start db', 'create app', 'stop db']);
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });

  it('when the service cannot start, then it logs the reason and exits 1', async () => {
    const events: string[] = [];
    const { logger, lines } = captureLogger();
    const codes: number[] = [];
    const result = await runService(
      { ...definition(events, [recordingHook('db', events, 'start')]), logger },
      { signals: ['SIGUSR2'], exit: (code) => codes.push(code) },
    );
    expect(result).toBeUndefined();
    expect(codes).toEqual([1]);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'Failed to start', err: expect.objectContaining({ message: 'db cannot start' }) }),
    );
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });
});
