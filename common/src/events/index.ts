// @ticketing/common/events: the course-style base Publisher and Listener over a transport.
export * from './publisher';
export * from './listener';
