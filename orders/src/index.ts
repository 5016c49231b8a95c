import { runService } from '@ticketing/common/http';
import { ordersService } from './service';

void runService(ordersService());
