// Public surface of @ticketing/common. Each area re-exports its own modules.
export * from './events/subjects';
export * from './events/types';
export * from './errors';
export * from './middlewares';
export * from './logger';
export * from './config';
export * from './http';
