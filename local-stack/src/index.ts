// What `npm start` runs, as a library for the system tests and the benchmarks.
export * from './local-stack';
export * from './service-process';
export * from './gateway';
export { API_DOCS_PATH, DEFAULT_OPENAPI_FILE } from './api-docs';
export * from './stripe';
