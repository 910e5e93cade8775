export * from './types.js';
export * from './resources.js';
export * from './load.js';
export * from './parameters.js';
export * from './versions.js';
