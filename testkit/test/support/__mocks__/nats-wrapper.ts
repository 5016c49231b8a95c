// What a service's src/__mocks__/nats-wrapper.ts holds (there: `from '@ticketing/testkit'`).
export { fakeNatsWrapper as natsWrapper } from '../../../src/fake-nats';
