export { main } from './run.js';
export { buildBootstrap, type BootstrapOptions } from './bootstrap.js';
export type { Io } from './common.js';
