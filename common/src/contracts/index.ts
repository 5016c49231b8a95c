// @ticketing/common/contracts: the event subjects and the shape of each event's data. No dependencies.
export * from './subjects';
export * from './types';
