import { NatsWrapper } from '@ticketing/common';

// What a service's src/nats-wrapper.ts holds.
export const natsWrapper = new NatsWrapper();
