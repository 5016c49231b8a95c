// Imported first by index.ts: when tracing is on (an OTLP endpoint is set), its instrumentations must
// patch http, express and mongodb before the service loads them. Off, it loads nothing.
import { startTracing } from '@ticketing/common/tracing';

export const tracing = startTracing({ serviceName: 'payments' });
