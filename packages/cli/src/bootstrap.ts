import type { Io } from './common.js';
export async function runBootstrap(_argv: string[], _io: Io): Promise<number> {
  throw new Error('not written yet');
}
