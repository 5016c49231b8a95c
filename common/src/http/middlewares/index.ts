export * from './current-user';
export * from './error-handler';
export * from './not-found-route';
export * from './request-logger';
export * from './require-auth';
export * from './validate-request';
export * from './request-metrics';
