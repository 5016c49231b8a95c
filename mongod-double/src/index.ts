// Public surface: launching the double (or a real mongod) as a single-node replica set.
export * from './launch';
