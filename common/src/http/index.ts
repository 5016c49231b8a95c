export * from './create-service-app';
export * from './readiness';
export * from './run-service';
export * from './session';
