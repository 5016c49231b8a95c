import { mongooseHook, runService } from '@ticketing/common/http';
import { createApp } from './app';
import { loadConfig } from './config';

void runService({
  name: 'auth',
  loadConfig: () => loadConfig(),
  createApp: (config) => createApp(config),
  hooks: (config) => [mongooseHook(config.MONGO_URI)],
});
