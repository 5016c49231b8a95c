export {};
export * from './mongo';
