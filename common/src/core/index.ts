// @ticketing/common/core: what every part of a service shares — the logger, configuration validation,
// and the lifecycle and readiness contracts. It imports nothing else from common.
export * from './logger';
export * from './config';
export * from './lifecycle';
