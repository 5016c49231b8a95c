import { runService } from '@ticketing/common/http';
import { paymentsService } from './service';

void runService(paymentsService());
