export * from './boot.js';
export * from './connection.js';
export * from './connection-env.js';
export * from './connection-url.js';
export type * from './engine.js';
