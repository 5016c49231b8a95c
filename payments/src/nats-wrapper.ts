import { NatsWrapper } from '@ticketing/common/transport';

/** The service's broker connection; Jest swaps in `__mocks__/nats-wrapper.ts` after `jest.mock('./nats-wrapper')`. */
export const natsWrapper = new NatsWrapper();
