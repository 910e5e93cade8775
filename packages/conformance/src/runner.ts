// Replays conformance cases against the translator (status) and the data-path
// simulation (traffic). One fresh simulated cluster per case: base manifests,
// generated fixtures, then the case's manifests and assertions in order.
import { randomUUID } from 'node:crypto';
import { translate, type TranslationResult } from '@portico/translator';
import { FakeCluster, parseLabelSelector, type StoredObject } from './cluster.js';
import { fixturesOnce, type FixtureObject } from './certificates.js';
import { loadCases, loadSetup, readManifest, resolveSuite, type SuiteLayout } from './data.js';
import type { Assertion, ConformanceCase, FeatureGate, SetupData } from './model.js';
import { rewriteGatewayAddresses, substitute, type PlaceholderValues, type StaticAddress } from './placeholders.js';
import { tallyCases, type AssertionResult, type CaseResult, type Report } from './report.js';
import { applyStatusDefaults, evaluateStatus, type StatusView } from './status.js';
import { evaluateTraffic, loadDataPathFactory, type DataPath, type DataPathFactory } from './traffic.js';

export interface RunOptions {
  /** The suite root (with cases/ and manifests/) or its cases/ folder. */
  dataDir: string;
  /** Only cases whose shortName matches. */
  filter?: RegExp;
  controllerName?: string;
  /** Overrides the features the GatewayClass advertises (for preconditions and `when`). */
  supportedFeatures?: string[];
  /** Static addresses substituted for the address placeholders. */
  usableAddress?: StaticAddress;
  unusableAddress?: StaticAddress;
  /** Replaces the translate → xds → explain chain (tests). */
  dataPathFactory?: DataPathFactory;
  /** Sees every translation a case makes, with the case's name (tests: what the statuses hold). */
  onTranslation?: (caseName: string, result: TranslationResult) => void;
}

export const DEFAULT_CONTROLLER_NAME = 'portico.dev/gateway-controller';
export const GATEWAY_CLASS_NAME = 'portico-conformance';
/** Loopback is what file mode serves on; TEST-NET-1 (RFC 5737) can never be bound. */
export const DEFAULT_USABLE_ADDRESS: StaticAddress = { type: 'IPAddress', value: '127.0.0.1' };
export const DEFAULT_UNUSABLE_ADDRESS: StaticAddress = { type: 'IPAddress', value: '192.0.2.1' };

interface CaseContext {
  testCase: ConformanceCase;
  layout: SuiteLayout;
  cluster: FakeCluster;
  values: PlaceholderValues;
  controllerName: string;
  fixtures: FixtureObject[];
  supportedOverride?: string[];
  dataPathFactory: DataPathFactory;
  onTranslation?: RunOptions['onTranslation'];
  translation?: { result?: TranslationResult; error?: string; dataPath?: DataPath | string };
}

function placeholderValues(cluster: FakeCluster, controllerName: string, options: RunOptions): PlaceholderValues {
  return {
    gatewayClassName: GATEWAY_CLASS_NAME,
    controllerName,
    usableAddress: options.usableAddress ?? DEFAULT_USABLE_ADDRESS,
    unusableAddress: options.unusableAddress ?? DEFAULT_UNUSABLE_ADDRESS,
    configMapData: (namespace, name, key) => {
      const data = cluster.get('ConfigMap', namespace, name)?.data as Record<string, string> | undefined;
      return data?.[key];
    },
    secretData: (namespace, name, key) => {
      const data = cluster.get('Secret', namespace, name)?.data as Record<string, string> | undefined;
      return data?.[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8');
    },
    podIp: (selector) => {
      const wanted = parseLabelSelector(selector);
      const pod = cluster
        .pods()
        .find((p) => p.namespace === 'gateway-conformance-mesh' && Object.entries(wanted).every(([k, v]) => p.labels[k] === v));
      return pod?.ipv4;
    },
    uuid: () => randomUUID(),
  };
}

/** Applies one manifest object the way the upstream applier does (setup.json applyRules). */
function applyManifestObject(context: CaseContext, input: StoredObject): void {
  const object = substitute(input, context.values);
  if (object.kind === 'Gateway') {
    const spec = (object.spec ?? {}) as Record<string, unknown>;
    spec.gatewayClassName = GATEWAY_CLASS_NAME;
    if (Array.isArray(spec.addresses)) {
      spec.addresses = rewriteGatewayAddresses(spec.addresses as Array<{ type?: string; value?: string }>, context.values);
    }
    object.spec = spec;
  }
  context.cluster.apply(object);
}

function invalidate(context: CaseContext): void {
  context.translation = undefined;
}

/**
 * What the infrastructure assigns to Gateways that request static addresses: the
 * requested addresses the runner declared usable, else one dynamic address (the
 * usable one). The unusable address is never assigned, which is what the suite
 * expects Portico to report as Programmed=False/AddressNotUsable.
 */
export function assignedAddresses(
  gateways: StoredObject[],
  usable: StaticAddress,
): Record<string, Array<{ type: string; value: string }>> {
  const out: Record<string, Array<{ type: string; value: string }>> = {};
  for (const gateway of gateways) {
    const spec = (gateway.spec ?? {}) as { addresses?: Array<{ type?: string; value?: string }> };
    const requested = (spec.addresses ?? []).filter((a) => typeof a.value === 'string' && a.value !== '');
    if (requested.length === 0) continue;
    const granted = requested.filter((a) => a.value === usable.value).map((a) => ({ type: a.type ?? 'IPAddress', value: a.value as string }));
    out[`${gateway.metadata.namespace ?? 'default'}/${gateway.metadata.name}`] = granted.length > 0 ? granted : [{ ...usable }];
  }
  return out;
}

function translation(context: CaseContext): NonNullable<CaseContext['translation']> {
  if (context.translation) return context.translation;
  try {
    const result = translate(context.cluster.resourceSet(), {
      controllerName: context.controllerName,
      // The suite covers the mesh (GAMMA) too; Gateway output does not depend on it.
      mesh: true,
      now: context.cluster.clock.now(),
      gatewayAddresses: assignedAddresses(context.cluster.list('Gateway'), context.values.usableAddress),
    });
    context.translation = { result };
    context.onTranslation?.(context.testCase.shortName, result);
  } catch (error) {
    context.translation = { error: `translate() threw: ${(error as Error).message}` };
  }
  return context.translation;
}

function dataPath(context: CaseContext): DataPath | string {
  const current = translation(context);
  if (current.dataPath !== undefined) return current.dataPath;
  if (!current.result) {
    current.dataPath = current.error ?? 'no translation';
    return current.dataPath;
  }
  try {
    current.dataPath = context.dataPathFactory(current.result, context.cluster);
  } catch (error) {
    current.dataPath = (error as Error).message;
  }
  return current.dataPath;
}

function statusView(context: CaseContext, result: TranslationResult): StatusView {
  const index = new Map<string, Record<string, unknown>>();
  for (const entry of result.statuses) {
    index.set(`${entry.kind}/${entry.namespace ?? ''}/${entry.name}`, applyStatusDefaults(entry.kind, entry.status));
  }
  return {
    status: (kind, namespace, name) =>
      index.get(`${kind}/${kind === 'GatewayClass' ? '' : (namespace ?? '')}/${name}`),
    generation: (kind, namespace, name) => context.cluster.get(kind, namespace, name)?.metadata.generation,
  };
}

function advertisedFeatures(context: CaseContext): string[] {
  if (context.supportedOverride) return context.supportedOverride;
  const result = translation(context).result;
  const entry = result?.statuses.find((s) => s.kind === 'GatewayClass' && s.name === GATEWAY_CLASS_NAME);
  const features = entry?.status.supportedFeatures;
  if (!Array.isArray(features)) return [];
  return features
    .map((f: unknown) => (typeof f === 'string' ? f : (f as { name?: unknown })?.name))
    .filter((name): name is string => typeof name === 'string');
}

function gatesHold(gates: FeatureGate[] | undefined, supported: string[]): boolean {
  return (gates ?? []).every((gate) => supported.includes(gate.feature) === gate.supported);
}

function describeGates(gates: FeatureGate[]): string {
  return gates.map((g) => `${g.feature} ${g.supported ? 'supported' : 'not supported'}`).join(', ');
}

function runAction(context: CaseContext, assertion: Assertion): void {
  const { cluster } = context;
  const ref = assertion.object as { kind: string; namespace?: string | null; name: string } | undefined;
  switch (assertion.type) {
    case 'apply':
      applyManifestObject(context, assertion.object as StoredObject);
      break;
    case 'delete':
      if (ref) cluster.delete(ref.kind, ref.namespace, ref.name);
      break;
    case 'patch':
      if (!ref) throw new Error(`${assertion.id}: patch without object`);
      cluster.patch(ref.kind, ref.namespace, ref.name, substitute(assertion.mergePatch, context.values));
      break;
    case 'wait':
      cluster.clock.advance(typeof assertion.seconds === 'number' ? assertion.seconds : 1);
      break;
    case 'fillEndpointSlices': {
      const from = assertion.fromPodsOf as { namespace: string; name: string };
      cluster.fillEndpointSlices(
        assertion.endpointSlices as Array<{ namespace: string; name: string }>,
        cluster.podsOfDeployment(from.namespace, from.name),
      );
      break;
    }
    default:
      throw new Error(`${assertion.id}: unknown action ${assertion.type}`);
  }
  invalidate(context);
}

/**
 * One assertion's placeholder values: `${UUID}` and `${REQUEST_ID}` are fresh for
 * each assertion but the same everywhere within it (request and expectation).
 */
function assertionValues(context: CaseContext): PlaceholderValues {
  const memo = new Map<string, string>();
  return {
    ...context.values,
    uuid: (name) => {
      const value = memo.get(name) ?? randomUUID();
      memo.set(name, value);
      return value;
    },
  };
}

/** The client appends the request-id query parameter itself when the assertion says so. */
function withRequestId(raw: Assertion): Assertion {
  const request = raw.request as { addsRequestIdQueryParam?: string; query?: string | null } | undefined;
  if (!request?.addsRequestIdQueryParam) return raw;
  const copy = structuredClone(raw);
  const target = copy.request as { query?: string | null };
  const parameter = `${request.addsRequestIdQueryParam}=\${REQUEST_ID}`;
  target.query = target.query ? `${target.query}&${parameter}` : parameter;
  return copy;
}

/**
 * Checks the data marks not expressible that the replay models all the same: HTTPS requests
 * whose outcome the client certificate decides. The replay presents the named Secret's
 * certificate and verifies it against the trust anchors of the filter chain it reaches.
 */
function replayModels(assertion: Assertion): boolean {
  const tls = (assertion.request as { tls?: Record<string, unknown> | null } | undefined)?.tls;
  return assertion.category === 'traffic' && assertion.type === 'http' && assertion.client !== 'mesh' && typeof tls === 'object' && tls !== null && 'clientCertificate' in tls;
}

function evaluate(context: CaseContext, raw: Assertion): AssertionResult {
  const assertion = substitute(withRequestId(raw), assertionValues(context));
  const base = {
    id: assertion.id,
    category: assertion.category as 'status' | 'traffic',
    type: assertion.type,
    ...(assertion.subtest ? { subtest: assertion.subtest } : {}),
    expressible: assertion.expressible !== false || replayModels(assertion),
    ...(assertion.source ? { source: assertion.source } : {}),
  };
  if (!base.expressible) {
    return { ...base, evaluated: false, passed: false, reason: `not expressible: ${assertion.note ?? assertion.type}` };
  }
  const current = translation(context);
  if (!current.result) return { ...base, evaluated: false, passed: false, reason: current.error ?? 'no translation' };
  if (assertion.category === 'status') {
    const verdict = evaluateStatus(assertion, statusView(context, current.result));
    return { ...base, evaluated: true, ...verdict };
  }
  const path = dataPath(context);
  if (typeof path === 'string') return { ...base, evaluated: false, passed: false, reason: `not evaluated: ${path}` };
  const verdict = evaluateTraffic(assertion, { dataPath: path, cluster: context.cluster, resources: current.result });
  return { ...base, ...verdict };
}

function setupCase(
  testCase: ConformanceCase,
  layout: SuiteLayout,
  setup: SetupData,
  fixtures: FixtureObject[],
  options: RunOptions,
  dataPathFactory: DataPathFactory,
): CaseContext {
  const cluster = new FakeCluster();
  const controllerName = options.controllerName ?? DEFAULT_CONTROLLER_NAME;
  const context: CaseContext = {
    testCase,
    layout,
    cluster,
    values: placeholderValues(cluster, controllerName, options),
    controllerName,
    fixtures,
    ...(options.supportedFeatures ? { supportedOverride: options.supportedFeatures } : {}),
    dataPathFactory,
    ...(options.onTranslation ? { onTranslation: options.onTranslation } : {}),
  };
  cluster.apply({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: GATEWAY_CLASS_NAME },
    spec: { controllerName },
  });
  const gatewayBase = setup.baseManifests.gateway?.path;
  for (const base of testCase.baseManifests) {
    for (const object of readManifest(layout, base)) applyManifestObject(context, object);
    if (base === gatewayBase) for (const fixture of fixtures) cluster.apply(structuredClone(fixture) as unknown as StoredObject);
  }
  for (const manifest of testCase.manifests) {
    for (const object of readManifest(layout, manifest)) applyManifestObject(context, object);
  }
  return context;
}

export async function runCase(
  testCase: ConformanceCase,
  layout: SuiteLayout,
  setup: SetupData,
  options: RunOptions,
  dataPathFactory?: DataPathFactory,
): Promise<CaseResult> {
  const started = Date.now();
  const fixtures = await fixturesOnce(setup.generatedFixtures.objects);
  const result: CaseResult = {
    shortName: testCase.shortName,
    suite: testCase.suite,
    features: testCase.features,
    profiles: testCase.profiles,
    outcome: 'ran',
    featuresAdvertised: false,
    assertions: [],
    fullyPassing: false,
    durationMs: 0,
  };
  try {
    const context = setupCase(testCase, layout, setup, fixtures, options, dataPathFactory ?? options.dataPathFactory ?? (await loadDataPathFactory()));
    const supported = advertisedFeatures(context);
    result.featuresAdvertised = testCase.features.every((f) => supported.includes(f));
    if (!gatesHold(testCase.preconditions, supported)) {
      result.outcome = 'skipped';
      result.skipReason = `preconditions not met: ${describeGates(testCase.preconditions)}`;
    } else {
      for (const assertion of testCase.assertions) {
        if (!gatesHold(assertion.when, supported)) continue;
        if (assertion.category === 'action') runAction(context, assertion);
        else result.assertions.push(evaluate(context, assertion));
      }
      // A case none of whose checks could be evaluated here (all gated off or not expressible)
      // has shown nothing: it does not count as passing.
      result.fullyPassing = result.assertions.some((a) => a.expressible) && result.assertions.every((a) => !a.expressible || a.passed);
    }
  } catch (error) {
    result.outcome = 'error';
    result.error = (error as Error).message;
    result.fullyPassing = false;
  }
  result.durationMs = Date.now() - started;
  return result;
}

export async function runConformance(options: RunOptions): Promise<Report> {
  const started = Date.now();
  const layout = resolveSuite(options.dataDir);
  const setup = loadSetup(layout);
  const cases = loadCases(layout, options.filter);
  const factory = options.dataPathFactory ?? (await loadDataPathFactory());
  const results: CaseResult[] = [];
  for (const testCase of cases) results.push(await runCase(testCase, layout, setup, options, factory));
  let supportedFeatures = options.supportedFeatures ?? [];
  if (!options.supportedFeatures) {
    try {
      const probe = new FakeCluster();
      probe.apply({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: GATEWAY_CLASS_NAME }, spec: { controllerName: options.controllerName ?? DEFAULT_CONTROLLER_NAME } });
      const status = translate(probe.resourceSet(), { controllerName: options.controllerName ?? DEFAULT_CONTROLLER_NAME, mesh: true }).statuses.find((s) => s.kind === 'GatewayClass');
      const list = status?.status.supportedFeatures;
      supportedFeatures = Array.isArray(list) ? list.map((f: unknown) => (typeof f === 'string' ? f : String((f as { name?: unknown }).name))) : [];
    } catch {
      supportedFeatures = [];
    }
  }
  return {
    suiteRoot: layout.root,
    controllerName: options.controllerName ?? DEFAULT_CONTROLLER_NAME,
    supportedFeatures,
    cases: results,
    ...tallyCases(results),
    durationMs: Date.now() - started,
  };
}
