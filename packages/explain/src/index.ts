export { explainRequest, applyUpstreamResponse, normalizeRequest, redirectLocation, redirectStatus, normalizePath } from './explain.js';
export { formatExplainTrace } from './format.js';
export { parseExplainArgs, ExplainArgsError } from './parse.js';
export type * from './types.js';
