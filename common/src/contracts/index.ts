// @ticketing/common/contracts: the event subjects, the shape of each event's data and its schema. No dependencies but zod.
export * from './subjects';
export * from './types';
export * from './schemas';
