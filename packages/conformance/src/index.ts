export { runConformance, runCase, DEFAULT_CONTROLLER_NAME, GATEWAY_CLASS_NAME, type RunOptions } from './runner.js';
export { runConformanceCommand, type CommandIO } from './command.js';
export * from './report.js';
export { evaluateStatus, applyStatusDefaults, conditionMatches, type StatusView, type Verdict } from './status.js';
export { evaluateTraffic, observe, type DataPath, type DataPathAnswer, type DataPathRequest, type DataPathFactory } from './traffic.js';
export { applyMergePatch } from './mergepatch.js';
export { substitute, substituteString, rewriteGatewayAddresses, type PlaceholderValues } from './placeholders.js';
export { FakeCluster, FakeClock } from './cluster.js';
export type { ConformanceCase, Assertion } from './model.js';
