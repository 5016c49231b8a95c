// @ticketing/common/http: the HTTP kit — errors and the error handler, middlewares, the session, the
// Express app, and the service runner. It depends on core only, never on the event side.
export * from './errors';
export * from './middlewares';
export * from './config-spec';
export * from './create-service-app';
export * from './readiness';
export * from './run-service';
export * from './session';
export * from './session-check';
export * from './ids';
export * from './current-user-id';
export * from './pagination';
export * from './version-concurrency';
