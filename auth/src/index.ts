import { runService } from '@ticketing/common/http';
import { authService } from './service';

void runService(authService());
