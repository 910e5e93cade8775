import type { ResourceSet } from '@portico/api';
import type { TranslateOptions, TranslationResult } from './result.js';

/** Features advertised in GatewayClass status.supportedFeatures: exactly what is implemented. */
export const SUPPORTED_FEATURES: readonly string[] = [];

/** Gateway API → IR + status. Pure and deterministic: no I/O, no clock, no randomness. */
export function translate(resources: ResourceSet, options: TranslateOptions): TranslationResult {
  void resources;
  void options;
  throw new Error('translate: not implemented yet');
}
