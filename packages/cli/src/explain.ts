import type { Io } from './common.js';
export async function runExplain(_argv: string[], _io: Io): Promise<number> {
  throw new Error('not written yet');
}
