export * from './result.js';
export { translate, SUPPORTED_FEATURES } from './translate.js';
export { TranslationMemo } from './memo.js';
export { sanitizeObject } from './sanitize.js';
