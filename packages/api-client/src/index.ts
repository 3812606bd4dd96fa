export * from './batch.js';
export * from './content-types.js';
export * from './contract.js';
export * from './schemas.js';
