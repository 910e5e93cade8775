// Adapter from the explain stage's trace to the runner's DataPath contract.
import type { DataPath, DataPathFactory } from './traffic.js';

export function createExplainDataPath(
  _buildXds: (ir: unknown) => unknown,
  _explainRequest: (resources: unknown, request: unknown) => unknown,
): DataPathFactory {
  return (): DataPath => {
    throw new Error('explain trace adapter not written yet');
  };
}
