export * from './result.js';
export { translate, SUPPORTED_FEATURES } from './translate.js';
export { TranslationMemo } from './memo.js';
export { ignoredFields, ignoredFieldWarnings, loadWarnings, sanitizeObject, type IgnoredField } from './sanitize.js';
