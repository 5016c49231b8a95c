import { tracing } from './tracing';
import { runService } from '@ticketing/common/http';
import { ticketsService } from './service';

// Exits only once the spans still buffered are exported (immediately when tracing is off).
void runService(ticketsService(), { exit: tracing.exit });
