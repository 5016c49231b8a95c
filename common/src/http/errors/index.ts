export * from './custom-error';
export * from './bad-request-error';
export * from './conflict-error';
export * from './not-authorized-error';
export * from './not-found-error';
export * from './request-validation-error';
export * from './duplicate-key';
