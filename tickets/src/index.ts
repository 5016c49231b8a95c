import { runService } from '@ticketing/common/http';
import { ticketsService } from './service';

void runService(ticketsService());
