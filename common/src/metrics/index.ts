// @ticketing/common/metrics: each service's Prometheus registry and the metric families it exports.
// It depends on core only, so the HTTP kit and the event side can both report to it.
export * from './metric-names';
export * from './service-metrics';
