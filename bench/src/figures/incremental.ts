import { ResourceSet, type Gateway, type Listener } from '@portico/api';
import { createMemos, requirePipeline, translateOptions, xdsProblem, type BenchContext } from '../context.js';
import { editHttpRoute, type FixtureObject } from '../fixture.js';
import { Prng } from '../prng.js';
import { selfSignedCertificate, tlsSecret, type TestCertificate } from '@portico/test-support';
import { loadServerStage } from '../server-stage.js';
import { collectGarbage, describeTiming, fitRuns, median, type TimingOptions } from '../stats.js';

const NAME = 'incremental_one_route_ms';

/** Counts added/modified resources in a SnapshotChange-shaped value, when it has that shape. */
export function changedResources(change: unknown): number | undefined {
  const groups = (change as { groups?: unknown } | undefined)?.groups;
  if (!(groups instanceof Map)) return undefined;
  let count = 0;
  for (const perType of groups.values() as Iterable<Record<string, { changed?: unknown }>>) {
    for (const typeChange of Object.values(perType)) if (typeChange.changed instanceof Set) count += typeChange.changed.size;
  }
  return count;
}

/**
 * One HTTPRoute edit at 10k routes until the new snapshot is in the cache, doing what the
 * control plane does on a change: the provider builds a fresh ResourceSet from every cached
 * object (unchanged objects are the same objects as before, as the providers hand them
 * over), then translate and buildXds run with the memos the control plane keeps across
 * builds, and SnapshotCache.setSnapshot computes the delta.
 */
export async function incrementalOneRoute(context: BenchContext): Promise<void> {
  const pipeline = requirePipeline(context, NAME);
  if (!pipeline) return;
  const buildXds = context.xds.buildXds;
  if (!buildXds) {
    context.reporter.skipped(NAME, xdsProblem(context.xds, 'buildXds'));
    return;
  }
  const server = await loadServerStage();
  if (!server.createCache) {
    context.reporter.skipped(NAME, server.problem ?? '@portico/server SnapshotCache unavailable');
    return;
  }
  const fixture = context.tenK();
  const objects: FixtureObject[] = [...fixture.objects];
  const positions = new Map<FixtureObject, number>(objects.map((object, index) => [object, index]));

  // The control plane serving a fleet on VHDS (`portico bootstrap --vhds`): the delta includes the
  // virtual hosts an edit changed. Writing out whole RouteConfigurations for proxies without VHDS is
  // timed on its own below.
  const cache = server.createCache({ vhds: true });
  const memos = createMemos(pipeline);
  const memo = memos.translation;
  const xdsMemo = memos.xds;
  const options = translateOptions(memos);
  const build = (resources: ResourceSet) => pipeline.translate(resources, options);
  const initial = build(ResourceSet.from(objects));
  cache.setSnapshot(buildXds(initial.ir, undefined, xdsMemo));

  // The control plane runs this path on every edit for as long as it lives; the warm-up lets the
  // JIT settle and the young generation grow back after the initial build, as in a running
  // control plane (the edits right after a forced collection are reported separately below).
  const requested: TimingOptions = context.quick ? { warmup: 3, runs: 5, budgetMs: 30_000 } : { warmup: 20, runs: 15, budgetMs: 120_000 };
  let runs = { warmup: requested.warmup, runs: requested.runs };
  const prng = new Prng(fixture.shape.seed ^ 0x5eed);
  const phases = { resourceSet: [] as number[], translate: [] as number[], buildXds: [] as number[], setSnapshot: [] as number[] };
  const totals: number[] = [];
  const afterCollection: number[] = [];
  const changed: number[] = [];
  const wholeRoutes: number[] = [];
  let revision = 0;
  /** Time to write out the RouteConfigurations a change touched, as a stream without VHDS needs them. */
  const writeWholeRoutes = (change: unknown): number | undefined => {
    const groups = (change as { groups?: unknown } | undefined)?.groups;
    if (!(groups instanceof Map) || !cache.group) return undefined;
    const t0 = performance.now();
    for (const [group, perType] of groups as Map<string, Record<string, { changed: Set<string> }>>) {
      const routes = cache.group(group).route;
      for (const name of perType.route?.changed ?? []) void routes?.get(name)?.any;
    }
    return performance.now() - t0;
  };
  const rebuild = (): { total: number; split: number[]; change: unknown } => {
    const t0 = performance.now();
    const resources = ResourceSet.from(objects);
    const t1 = performance.now();
    const translation = build(resources);
    const t2 = performance.now();
    const built = buildXds(translation.ir, undefined, xdsMemo);
    const t3 = performance.now();
    const change = cache.setSnapshot(built);
    const t4 = performance.now();
    return { total: t4 - t0, split: [t1 - t0, t2 - t1, t3 - t2, t4 - t3], change };
  };
  const edit = (): { total: number; split: number[]; change: unknown } => {
    const index = prng.int(0, fixture.httpRoutes.length - 1);
    const original = fixture.httpRoutes[index] as FixtureObject;
    const position = positions.get(original) as number;
    objects[position] = editHttpRoute(objects[position] as typeof fixture.httpRoutes[number], ++revision);
    return rebuild();
  };
  /** Replaces one object of `kind` (picked by the seeded PRNG) with `change(object)` and rebuilds. */
  const editOther = (kind: string, change: (object: FixtureObject, revision: number) => FixtureObject): number => {
    const candidates = objects.flatMap((object, position) => (object.kind === kind ? [position] : []));
    const position = candidates[prng.int(0, candidates.length - 1)] as number;
    objects[position] = change(objects[position] as FixtureObject, ++revision);
    return rebuild().total;
  };
  /** Replaces the listeners of one Gateway (picked as editOther picks) with `change(listeners)` and rebuilds. */
  const editListeners = (change: (listeners: Listener[], revision: number) => Listener[]): number =>
    editOther('Gateway', (object, rev) => {
      const gateway = object as Gateway;
      return { ...gateway, spec: { ...gateway.spec, gatewayClassName: gateway.spec?.gatewayClassName ?? '', listeners: change(gateway.spec?.listeners ?? [], rev) } };
    });
  // Edits back to back, as a control plane applies a burst of changes: garbage collection that
  // the edits cause is part of each figure, but none is forced between them.
  collectGarbage();
  for (let i = 0; i < runs.warmup + runs.runs; i++) {
    const { total, split, change } = edit();
    if (i === 0) runs = fitRuns(requested, total);
    if (i < runs.warmup) continue;
    totals.push(total);
    phases.resourceSet.push(split[0] as number);
    phases.translate.push(split[1] as number);
    phases.buildXds.push(split[2] as number);
    phases.setSnapshot.push(split[3] as number);
    const count = changedResources(change);
    if (count !== undefined) changed.push(count);
  }
  // Proxies without VHDS: the same edits, each followed by writing out the RouteConfigurations it
  // changed (timed on its own; the 12 MiB buffers it makes weigh on the edits that follow, so it
  // runs after the measured ones).
  for (let i = 0; i < runs.runs; i++) {
    const whole = writeWholeRoutes(edit().change);
    if (whole !== undefined) wholeRoutes.push(whole);
  }
  // The same edits each right after a forced full (compacting) collection, which shrinks the
  // young generation as V8's memory reducer does in an idle process: the first edit after a quiet spell.
  for (let i = 0; i < runs.runs; i++) {
    collectGarbage();
    afterCollection.push(edit().total);
  }

  // Other edits a running control plane sees, for comparison: endpoints moving (the most
  // frequent event in a cluster) and a Service changing (its routes are translated again).
  const sliceEdits: number[] = [];
  const serviceEdits: number[] = [];
  const routeAdds: number[] = [];
  const routeRemovals: number[] = [];
  const statusWrites: number[] = [];
  const serviceLabelEdits: number[] = [];
  const grantEdits: number[] = [];
  const gatewayEdits: number[] = [];
  const listenerEdits: number[] = [];
  const namespacesCreated: number[] = [];
  for (let i = 0; i < runs.runs; i++) {
    const template = fixture.httpRoutes[prng.int(0, fixture.httpRoutes.length - 1)] as FixtureObject;
    objects.push(editHttpRoute({ ...template, metadata: { ...template.metadata, name: `${template.metadata.name}-added-${++revision}` } } as typeof fixture.httpRoutes[number], revision));
    routeAdds.push(rebuild().total);
    objects.pop();
    routeRemovals.push(rebuild().total);
    sliceEdits.push(
      editOther('EndpointSlice', (object, rev) => {
        const slice = object as { endpoints?: Array<{ addresses: string[] }> };
        return { ...object, endpoints: [...(slice.endpoints ?? []), { addresses: [`10.255.${rev % 250}.${(rev >> 8) % 250}`] }] } as FixtureObject;
      }),
    );
    // A port added: the translator reads a Service's ports, so the routes that use it are translated again.
    serviceEdits.push(
      editOther('Service', (object, rev) => {
        const service = object as { spec?: { ports?: Array<{ name?: string; port: number }> } };
        const ports = [...(service.spec?.ports ?? []), { name: `extra-${rev}`, port: 20000 + (rev % 10000) }];
        return { ...object, spec: { ...service.spec, ports } } as FixtureObject;
      }),
    );
    // Labels only (a release by Helm or Argo CD rewrites them): nothing the translator reads.
    serviceLabelEdits.push(
      editOther('Service', (object, rev) => ({ ...object, metadata: { ...object.metadata, labels: { ...object.metadata.labels, revision: String(rev) } } })),
    );
    // A ReferenceGrant that grants one more Service: the routes that reach into its namespace are translated again.
    grantEdits.push(
      editOther('ReferenceGrant', (object, rev) => {
        const grant = object as { spec?: { from?: unknown[]; to?: Array<{ group: string; kind: string; name?: string }> } };
        return { ...object, spec: { ...grant.spec, to: [...(grant.spec?.to ?? []), { group: '', kind: 'Service', name: `granted-${rev}` }] } } as FixtureObject;
      }),
    );
    // A listener added to a Gateway (or taken away again). The fixture's routes name their listener by
    // sectionName, so no route can attach to it: none is translated again.
    gatewayEdits.push(
      editListeners((listeners, rev) => {
        const kept = listeners.filter((listener) => !listener.name.startsWith('added-'));
        return rev % 2 === 1 ? [...kept, { name: `added-${rev}`, port: 30000 + (rev % 1000), protocol: 'HTTP' }] : kept;
      }),
    );
    // A namespace created (a team onboarded): no route is in it yet.
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `onboarded-${++revision}` } });
    namespacesCreated.push(rebuild().total);
    // The allowed route kinds of a Gateway's first listener spelled out (or left to their default again):
    // the listener is another object, so the routes attached to it are translated again (to the same result).
    listenerEdits.push(
      editListeners((listeners, rev) =>
        listeners.map((listener, index) => {
          if (index !== 0) return listener;
          const { allowedRoutes, ...rest } = listener;
          const namespaces = allowedRoutes?.namespaces;
          const kinds = rev % 2 === 1 ? [{ kind: 'HTTPRoute' }, { kind: 'GRPCRoute' }] : undefined;
          return { ...rest, allowedRoutes: { ...(namespaces ? { namespaces } : {}), ...(kinds ? { kinds } : {}) } };
        }),
      ),
    );
    // The control plane's own status write to a Gateway, back through the watch as a new object.
    statusWrites.push(
      editOther('Gateway', (object, rev) => ({
        ...object,
        metadata: { ...object.metadata, resourceVersion: String(rev) },
        status: { conditions: [{ type: 'Programmed', status: 'True', reason: 'Programmed', message: `write ${rev}`, lastTransitionTime: '2026-01-01T00:00:00Z' }] },
      })),
    );
  }

  const renewals = await certificateRenewals(objects, rebuild, runs.runs);

  const { reporter } = context;
  reporter.figure(NAME, median(totals), 'ms');
  reporter.note(
    NAME,
    `${memo ? 'translate with a TranslationMemo' : 'translate without a memo (full)'}, ${xdsMemo ? 'buildXds with a build memo' : 'buildXds without a memo (full)'}: ` +
      `ResourceSet ${median(phases.resourceSet).toFixed(1)} + translate ${median(phases.translate).toFixed(1)} + ` +
      `buildXds ${median(phases.buildXds).toFixed(1)} + setSnapshot ${median(phases.setSnapshot).toFixed(1)} ms at ${fixture.shape.httpRoutes} HTTPRoutes; ` +
      `edits back to back: ${describeTiming({ durations: totals, ...runs }, requested)}`,
  );
  reporter.note(
    NAME,
    `other edits, back to back: one EndpointSlice median ${median(sliceEdits).toFixed(1)} ms, one Service port added (its routes translated again) median ${median(serviceEdits).toFixed(1)} ms, ` +
      `one Service's labels median ${median(serviceLabelEdits).toFixed(1)} ms, ` +
      `one ReferenceGrant (the routes that reach into its namespace translated again) median ${median(grantEdits).toFixed(1)} ms, ` +
      `a listener added to a Gateway or taken away (routes name their listener: none translated again) median ${median(gatewayEdits).toFixed(1)} ms, ` +
      `one listener's allowed kinds spelled out or not (the routes attached to it translated again) median ${median(listenerEdits).toFixed(1)} ms, ` +
      `one Namespace created median ${median(namespacesCreated).toFixed(1)} ms, ` +
      `one HTTPRoute added median ${median(routeAdds).toFixed(1)} ms, removed ${median(routeRemovals).toFixed(1)} ms, ` +
      `a Gateway's status written back (its own write, through the watch) median ${median(statusWrites).toFixed(1)} ms, ${runs.runs} each`,
  );
  if (renewals.length > 0) {
    reporter.note(
      NAME,
      `a certificate renewed (an HTTPS listener's Secret replaced by one with a new key pair, as cert-manager does): median ${median(renewals).toFixed(1)} ms of ${renewals.length}`,
    );
  }
  reporter.note(NAME, `right after a forced full collection (first edit after a quiet spell): median ${median(afterCollection).toFixed(1)} ms of ${afterCollection.length} edits`);
  if (changed.length > 0) reporter.note(NAME, `resources changed per edit: ${Math.min(...changed)}..${Math.max(...changed)} (delta computed by setSnapshot)`);
  if (wholeRoutes.length > 0) {
    reporter.note(
      NAME,
      `the delta is ready for proxies on VHDS (the changed virtual hosts); proxies without VHDS need the whole RouteConfiguration, written on first send: +${median(wholeRoutes).toFixed(1)} ms median per edit`,
    );
  }
  reporter.note(NAME, 'not included: the provider debounce before a rebuild (100 ms by default in the Kubernetes provider)');
}

const CERTIFICATE_SECRET = 'edge-certificate';

/**
 * Times certificate renewals: an HTTPS listener is added to the first Gateway with HTTP
 * listeners (one full translation, not timed; the fixture itself has no TLS, so that its
 * objects stay the same for a seed), then its Secret is replaced by one holding another
 * key pair, `runs` times. Key pairs are generated here, never kept in the repository.
 */
async function certificateRenewals(objects: FixtureObject[], rebuild: () => { total: number }, runs: number): Promise<number[]> {
  const isHttpGateway = (object: FixtureObject): object is Gateway => object.kind === 'Gateway' && (object as Gateway).spec?.listeners?.some((l) => l.protocol === 'HTTP') === true;
  const position = objects.findIndex(isHttpGateway);
  const gateway = objects[position];
  if (!gateway || !isHttpGateway(gateway) || !gateway.spec) return [];
  const keyPairs = await Promise.all(['a', 'b'].map((name) => selfSignedCertificate(`renewal-${name}.example.com`, ['*.example.com'])));
  const secretWith = (certificate: TestCertificate, revision: number): FixtureObject =>
    tlsSecret(certificate, CERTIFICATE_SECRET, gateway.metadata.namespace ?? 'default', String(revision));
  const listeners = [...(gateway.spec.listeners ?? []), { name: 'https', port: 443, protocol: 'HTTPS', hostname: '*.example.com', tls: { certificateRefs: [{ name: CERTIFICATE_SECRET }] } }];
  objects[position] = { ...gateway, spec: { ...gateway.spec, listeners } };
  objects.push(secretWith(keyPairs[0] as TestCertificate, 0));
  const secretPosition = objects.length - 1;
  rebuild();
  const durations: number[] = [];
  for (let i = 1; i <= runs; i++) {
    objects[secretPosition] = secretWith(keyPairs[i % 2] as TestCertificate, i);
    durations.push(rebuild().total);
  }
  return durations;
}
