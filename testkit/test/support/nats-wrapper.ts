import { NatsWrapper } from '@ticketing/common/transport';

// What a service's src/nats-wrapper.ts holds.
export const natsWrapper = new NatsWrapper();
