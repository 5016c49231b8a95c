import { tracing } from './tracing';
import { runService } from '@ticketing/common/http';
import { paymentsService } from './service';

// Exits only once the spans still buffered are exported (immediately when tracing is off).
void runService(paymentsService(), { exit: tracing.exit });
