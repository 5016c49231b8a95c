export { fakeNatsWrapper as natsWrapper } from '@ticketing/testkit';
