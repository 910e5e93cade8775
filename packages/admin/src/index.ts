export * from './state.js';
export * from './metrics.js';
export * from './integrations.js';
export * from './server.js';
