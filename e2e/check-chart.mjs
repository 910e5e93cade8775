// Checks `helm template` output (YAML on stdin): every document parses, every
// field of a built-in kind exists in the Kubernetes OpenAPI models shipped with
// @kubernetes/client-node (so a misspelt or misplaced field fails), the
// RBAC rules grant exactly the provider's declared permissions
// (packages/providers/src/kubernetes/permissions.json, which the provider's tests
// enforce on its API calls) and nothing against least privilege, `portico serve` accepts the controller's
// args (its own parser), and the controller name is the one the bundled
// examples' GatewayClass names.
//
// Options say how the chart was rendered, so what depends on it is checked too:
//   --mesh   rendered with `--set mesh=true`: the controller runs with --mesh
//            (without it, it must not)
//   --crds   rendered with `--include-crds`: the GatewayParameters CRD is there
//            (without it, no CRD may be)
//   --vhds   rendered with `--set envoy.vhds=true`: the controller runs with --envoy-vhds
//            (without it, it must not)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { MODELS, modelProblems } from './k8s-models.mjs';

const { values: rendered } = parseArgs({
  options: { mesh: { type: 'boolean', default: false }, crds: { type: 'boolean', default: false }, vhds: { type: 'boolean', default: false } },
});
const PARAMETERS_CRD = 'gatewayparameters.gateway.portico.dev';
// The chart's default controllerName is the one the bundled examples (and `portico serve`) use,
// so that applying an example on a chart install is handled by the chart's controller.
const EXAMPLE = new URL('../docs/examples/quickstart.yaml', import.meta.url);
const CLI = fileURLToPath(new URL('../packages/cli/bin/portico.js', import.meta.url));
const exampleControllerName = parseAllDocuments(readFileSync(EXAMPLE, 'utf8'))
  .map((doc) => doc.toJS())
  .find((doc) => doc?.kind === 'GatewayClass')?.spec?.controllerName;

const PERMISSIONS = JSON.parse(readFileSync(new URL('../packages/providers/src/kubernetes/permissions.json', import.meta.url), 'utf8'));
const GATEWAY_GROUPS = new Set(['gateway.networking.k8s.io', 'gateway.networking.x-k8s.io']);
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection', '*']);
const PROVISIONED = new Set(['services', 'configmaps', 'serviceaccounts', 'deployments']);

const errors = [];
const fail = (where, message) => errors.push(`${where}: ${message}`);


/** "verb group/resource" for every verb a rule list grants. */
function grantsOf(rules) {
  return (rules ?? []).flatMap((rule) =>
    (rule.apiGroups ?? []).flatMap((group) => (rule.resources ?? []).flatMap((resource) => (rule.verbs ?? []).map((verb) => `${verb} ${group}/${resource}`))),
  );
}

// What each kind of role grants, across the rendered documents.
const granted = { ClusterRole: new Set(), Role: new Set() };

/** The rendered grants against the declared permissions, both ways: nothing missing, nothing more. */
function checkPermissions(kind, scope, expected, where) {
  const want = new Set(grantsOf(expected));
  const missing = [...want].filter((grant) => !granted[kind].has(grant));
  const extra = [...granted[kind]].filter((grant) => !want.has(grant));
  if (missing.length > 0) fail(where, `${kind} rules lack what the provider calls (${scope} in permissions.json): ${missing.join(', ')}`);
  if (extra.length > 0) fail(where, `${kind} rules grant what the provider never calls (not in permissions.json ${scope}): ${extra.join(', ')}`);
}

function checkRbac(doc, where) {
  for (const grant of grantsOf(doc.rules)) granted[doc.kind].add(grant);
  for (const [index, rule] of (doc.rules ?? []).entries()) {
    const at = `${where}.rules[${index}]`;
    const groups = rule.apiGroups ?? [];
    const resources = rule.resources ?? [];
    const verbs = rule.verbs ?? [];
    if ([...groups, ...resources, ...verbs].includes('*')) fail(at, 'wildcards are not least privilege');
    const writes = verbs.filter((verb) => WRITE_VERBS.has(verb));
    if (writes.length === 0) continue;
    for (const group of groups) {
      for (const resource of resources) {
        // gateways/finalizers: needed to own provisioned objects with blockOwnerDeletion (the
        // OwnerReferencesPermissionEnforcement admission plugin); no finalizer is ever set.
        const ownerOnly = resource === 'gateways/finalizers' && writes.every((verb) => verb === 'update');
        if (GATEWAY_GROUPS.has(group) && !resource.endsWith('/status') && !ownerOnly) fail(at, `writes ${group} ${resource}: only */status (and gateways/finalizers update) may be written`);
        if (group === '' && resource === 'secrets') fail(at, 'Secrets must never be written');
        if (group === 'coordination.k8s.io' && doc.kind === 'ClusterRole') fail(at, 'leases belong in a namespaced Role');
        if (doc.kind === 'ClusterRole' && !GATEWAY_GROUPS.has(group) && !PROVISIONED.has(resource)) fail(at, `writes ${resource}, which Portico does not provision`);
      }
    }
  }
}

const text = await new Promise((resolve) => {
  let input = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => (input += chunk));
  process.stdin.on('end', () => resolve(input));
});

const docs = parseAllDocuments(text)
  .map((document, index) => {
    for (const error of document.errors) fail(`document ${index}`, error.message);
    return document.toJS();
  })
  .filter((doc) => doc !== null && doc !== undefined);

function checkParametersCrd(doc, where) {
  const spec = doc.spec ?? {};
  if (spec.group !== 'gateway.portico.dev') fail(where, `spec.group is ${JSON.stringify(spec.group)}, want gateway.portico.dev`);
  if (spec.names?.kind !== 'GatewayParameters') fail(where, `spec.names.kind is ${JSON.stringify(spec.names?.kind)}, want GatewayParameters`);
  if (spec.names?.plural !== 'gatewayparameters') fail(where, 'spec.names.plural must be gatewayparameters (the name is <plural>.<group>)');
  if (spec.scope !== 'Namespaced') fail(where, 'GatewayParameters are namespaced');
  const version = (spec.versions ?? []).find((v) => v.name === 'v1alpha1');
  if (!version?.served || !version?.storage) fail(where, 'version v1alpha1 must be served and stored');
  if (version?.schema?.openAPIV3Schema?.properties?.spec?.type !== 'object') fail(where, 'v1alpha1 needs a structural schema with an object spec');
}

const containerPorts = new Set();
const gatewayClassControllers = [];
let controllerArg;
let leaderElect = false;
const crds = [];
let deployments = 0;
for (const [index, doc] of docs.entries()) {
  const where = `${doc.kind ?? '?'} ${doc.metadata?.name ?? `#${index}`}`;
  if (!doc.apiVersion || !doc.kind || !doc.metadata?.name) {
    fail(where, 'apiVersion, kind and metadata.name are required');
    continue;
  }
  const model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (model) errors.push(...modelProblems(doc, model, where));
  else if (doc.kind === 'GatewayClass') {
    if (doc.apiVersion !== 'gateway.networking.k8s.io/v1') fail(where, 'GatewayClass must be gateway.networking.k8s.io/v1');
    if (!doc.spec?.controllerName) fail(where, 'spec.controllerName is required');
    gatewayClassControllers.push(doc.spec?.controllerName);
  } else fail(where, `unexpected kind ${doc.apiVersion} ${doc.kind}`);
  if (doc.kind === 'ClusterRole' || doc.kind === 'Role') checkRbac(doc, where);
  if (doc.kind === 'CustomResourceDefinition') {
    crds.push(doc.metadata.name);
    if (doc.metadata.name === PARAMETERS_CRD) checkParametersCrd(doc, where);
    else fail(where, 'unexpected CustomResourceDefinition (the Gateway API CRDs come from their release)');
  }
  if (doc.kind === 'Deployment') {
    deployments++;
    const container = doc.spec?.template?.spec?.containers?.[0];
    const args = container?.args ?? [];
    if (args[0] !== 'serve' || !args.includes('--provider=kubernetes')) fail(where, 'controller must run `serve --provider=kubernetes`');
    if (rendered.mesh && !args.includes('--mesh')) fail(where, 'rendered with mesh=true, but the controller args lack --mesh');
    if (!rendered.mesh && args.includes('--mesh')) fail(where, 'the controller runs with --mesh although mesh is not enabled');
    if (rendered.vhds !== args.includes('--envoy-vhds')) fail(where, `envoy.vhds=${rendered.vhds} but the controller args ${rendered.vhds ? 'lack' : 'have'} --envoy-vhds`);
    controllerArg = args.find((arg) => arg.startsWith('--controller-name='))?.slice('--controller-name='.length);
    leaderElect = args.includes('--leader-elect');
    // The CLI's own parser: every flag the chart passes must exist and take the value it is given
    // (with --help it stops after parsing, before acting on any value).
    const parsed = spawnSync(process.execPath, [CLI, ...args, '--help'], { encoding: 'utf8' });
    if (parsed.status !== 0) fail(where, `portico refuses the controller's args: ${(parsed.stderr || parsed.stdout).trim().split('\n')[0]}`);
    for (const port of container?.ports ?? []) containerPorts.add(port.name);
    const selector = doc.spec?.selector?.matchLabels ?? {};
    const labels = doc.spec?.template?.metadata?.labels ?? {};
    for (const [key, value] of Object.entries(selector)) if (labels[key] !== value) fail(where, `pod labels do not match selector ${key}`);
  }
}
for (const doc of docs.filter((d) => d.kind === 'Service')) {
  for (const port of doc.spec?.ports ?? []) {
    if (typeof port.targetPort === 'string' && !containerPorts.has(port.targetPort)) {
      fail(`Service ${doc.metadata.name}`, `targetPort ${port.targetPort} names no container port`);
    }
  }
}
if (deployments !== 1) fail('chart', `expected one controller Deployment, found ${deployments}`);
// The chart always renders its ClusterRole: a render without one fails here too.
checkPermissions('ClusterRole', 'cluster', PERMISSIONS.cluster, 'RBAC');
// The Role holds the leader election Lease: rendered with leader election only.
if (leaderElect) checkPermissions('Role', 'releaseNamespace', PERMISSIONS.releaseNamespace, 'RBAC');
else if (granted.Role.size > 0) fail('RBAC', 'a Role is rendered although the controller runs without --leader-elect');
if (controllerArg !== exampleControllerName) {
  fail('chart', `the controller runs with --controller-name=${controllerArg}, but docs/examples/quickstart.yaml's GatewayClass names ${exampleControllerName}`);
}
for (const name of gatewayClassControllers) {
  if (name !== controllerArg) fail('chart', `the chart's GatewayClass names controller ${name}, but the controller runs as ${controllerArg}`);
}
if (rendered.crds && !crds.includes(PARAMETERS_CRD)) fail('chart', `rendered with --include-crds, but CustomResourceDefinition ${PARAMETERS_CRD} is missing`);
if (!rendered.crds && crds.length > 0) fail('chart', `CRDs rendered without --include-crds: ${crds.join(', ')}`);

if (errors.length > 0) {
  for (const error of errors) console.error(`check-chart: ${error}`);
  process.exit(1);
}
const checked = [rendered.mesh ? '--mesh' : '', rendered.vhds ? '--envoy-vhds' : '', rendered.crds ? `CRD ${PARAMETERS_CRD}` : ''].filter(Boolean);
console.log(`check-chart: ${docs.length} documents OK${checked.length > 0 ? ` (${checked.join(', ')})` : ''}`);
