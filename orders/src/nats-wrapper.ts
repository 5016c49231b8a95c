import { NatsWrapper } from '@ticketing/common/transport';

/** This process's broker connection; Jest swaps it for `__mocks__/nats-wrapper.ts`. */
export const natsWrapper = new NatsWrapper();
