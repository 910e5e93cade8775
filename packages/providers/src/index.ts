export * from './provider.js';
export * from './kubernetes/index.js';
export * from './file.js';
