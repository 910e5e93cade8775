export * from './state.js';
export * from './metrics.js';
export * from './groups.js';
export * from './server.js';
