import { MAX_POLICY_ANCESTORS, type BackendTLSPolicy, type Condition, type ResourceSet } from '@portico/api';
import type { IRSecret, IRUpstreamTLS } from '@portico/ir';
import type { ClusterRegistry } from '../clusters.js';
import { condition, type ConditionClock } from '../conditions.js';
import type { GatewayModel } from '../gateway/model.js';
import { certificatesOf } from '../gateway/tls.js';
import type { ObjectStatus } from '../result.js';
import { hostnameProblem, isValidHostname } from '../routes/hostnames.js';
import { compareStrings, GATEWAY_GROUP, isCoreGroup } from '../util.js';

// BackendTLSPolicy (GEP-1897): TLS from the Gateway to a Service. The policy attaches to
// Services (optionally one named port via sectionName); its ancestors are the Gateways
// whose routes reach those Services, and it is reported once per ancestor. Two policies
// for the same Service and sectionName conflict: the oldest (then namespace/name) wins that
// target, and the other still governs its other targets (it is Conflicted on the Gateways
// that reach the target it lost). A policy with a sectionName beats one without for that
// port, without a conflict.

export interface BackendTLSContext {
  resources: ResourceSet;
  clusters: ClusterRegistry;
  secrets: Map<string, IRSecret>;
  clock: ConditionClock;
  controllerName: string;
  gateways: ReadonlyMap<string, GatewayModel>;
  /** Cluster names each Gateway's served config references, by Gateway key. */
  clustersByGateway: ReadonlyMap<string, ReadonlySet<string>>;
}

interface Validation {
  /** IRSecret with the CA bundle; absent with `system`. */
  caSecret?: IRSecret;
  system?: boolean;
  /**
   * ResolvedRefs=False reason, and the Accepted=False reason when no CA is usable. With
   * `acceptedReason` absent, some CA references are invalid and the valid ones are used
   * ("If ALL CACertificateRefs are invalid, the implementation MUST also ensure the Accepted
   * Condition ... NoValidCACertificate").
   */
  problem?: { resolvedReason: string; acceptedReason?: string; message: string };
  /** Accepted=False/Invalid: a value the CRD would refuse (the hostname, a subjectAltName), naming the field. */
  invalid?: string;
  /** Said in Accepted=True's message: targeted ports that get no TLS (UDP, or not there; see targetPortProblems). */
  warning?: string;
  /** Every Service target names a port its Service does not have: the policy attaches nowhere. */
  unattached?: string;
}

const CA_KEY = 'ca.crt';


/**
 * What the CRD requires of the values TLS is set up with: a precise hostname (the SNI, and the
 * name the certificate must carry without subjectAltNames), and subjectAltNames each with the
 * value of its type. The API server checks; a manifest file is checked by no one else, and Envoy
 * refuses a cluster whose certificate matcher is empty.
 */
function invalidValue(policy: BackendTLSPolicy): string | undefined {
  const spec = policy.spec?.validation;
  // The CRD's rule (CEL), which a file has no API server to apply.
  if ((spec?.caCertificateRefs?.length ?? 0) > 0 && spec?.wellKnownCACertificates !== undefined) {
    return 'spec.validation: must not contain both caCertificateRefs and wellKnownCACertificates';
  }
  const hostname = spec?.hostname;
  if (typeof hostname !== 'string') return 'spec.validation.hostname: required';
  // PreciseHostname: "numeric IP addresses are not allowed", and an SNI (RFC 6066) is never one.
  const why = hostnameProblem(hostname, true);
  if (why !== undefined) return `spec.validation.hostname: ${JSON.stringify(hostname)} ${why}`;
  for (const [index, san] of (spec?.subjectAltNames ?? []).entries()) {
    const field = `spec.validation.subjectAltNames[${index}]`;
    if (san.type === 'Hostname') {
      if (typeof san.hostname !== 'string' || !isValidHostname(san.hostname)) return `${field}.hostname: a valid hostname is required for type Hostname`;
    } else if (san.type === 'URI') {
      if (typeof san.uri !== 'string' || !/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(san.uri)) return `${field}.uri: an absolute URI is required for type URI`;
    } else return `${field}.type: ${JSON.stringify(san.type)} is not a subjectAltName type (Hostname, URI)`;
  }
  return undefined;
}

/** A wellKnownCACertificates value other than System (implementation-specific names are allowed by the CRD). */
function unrecognizedWellKnown(policy: BackendTLSPolicy): string | undefined {
  const value = policy.spec?.validation?.wellKnownCACertificates;
  if (value === undefined || value === 'System') return undefined;
  // The field docs: "If an implementation does not support the WellKnownCACertificates field, or the
  // supplied value is not recognized, the implementation MUST ensure the Accepted Condition ... Invalid".
  return `spec.validation.wellKnownCACertificates: ${JSON.stringify(value)} is not recognized (supported: System)`;
}

/**
 * What the targeted Service ports say of the policy, from one walk of its targetRefs:
 * - a UDP port (named by sectionName, or the Service's only port) refuses it. GEP-1897:
 *   "BackendTLSPolicy applies only to TCP traffic. If a policy explicitly attaches to a UDP port
 *   of a Service ... the Accepted: False Condition with Reason: Invalid MUST be set";
 * - UDP ports among a whole Service's are named in Accepted's message ("implementations SHOULD
 *   include a warning in the Accepted condition message");
 * - a sectionName that names no port: LocalPolicyTargetReferenceWithSectionName: "the Policy
 *   must fail to attach, and the policy implementation should record a ResolvedRefs or similar
 *   Condition": it does not attach there, and Accepted's message says so.
 */
function targetPortProblems(resources: ResourceSet, policy: BackendTLSPolicy): { invalid?: string; warning?: string; unattached?: string } {
  const namespace = policy.metadata.namespace ?? '';
  const udp: string[] = [];
  const missing: string[] = [];
  let serviceTargets = 0;
  for (const [index, ref] of (policy.spec?.targetRefs ?? []).entries()) {
    if (!isCoreGroup(ref.group) || ref.kind !== 'Service') continue;
    serviceTargets++;
    const service = resources.get('Service', namespace, ref.name);
    const ports = service?.spec?.ports ?? [];
    const targeted = ref.sectionName !== undefined ? ports.filter((p) => p.name === ref.sectionName) : ports;
    if (targeted.length === 1 && targeted[0]?.protocol === 'UDP') {
      const port = ref.sectionName !== undefined ? `port ${ref.sectionName}` : 'only port';
      return { invalid: `spec.targetRefs[${index}]: Service ${namespace}/${ref.name} ${port} is UDP; BackendTLSPolicy applies to TCP only` };
    }
    for (const port of targeted) if (port.protocol === 'UDP') udp.push(`Service ${namespace}/${ref.name} port ${port.name ?? port.port}`);
    if (service && ref.sectionName !== undefined && targeted.length === 0) {
      missing.push(`spec.targetRefs[${index}].sectionName: Service ${namespace}/${ref.name} has no port named ${ref.sectionName}`);
    }
  }
  // No target attaches: said as TargetNotFound (see policyConditions), not as a warning.
  if (serviceTargets > 0 && missing.length === serviceTargets) return { unattached: `the policy attaches nowhere: ${missing.join('; ')}` };
  const warnings: string[] = [];
  if (udp.length > 0) warnings.push(`${udp.join(', ')} ${udp.length === 1 ? 'is' : 'are'} UDP and get${udp.length === 1 ? 's' : ''} no TLS`);
  if (missing.length > 0) warnings.push(missing.map((problem) => `${problem}, so the policy does not apply there`).join('; '));
  return warnings.length > 0 ? { warning: warnings.join('; ') } : {};
}

function validate(resources: ResourceSet, policy: BackendTLSPolicy): Validation {
  const ports = targetPortProblems(resources, policy);
  const invalid = invalidValue(policy) ?? unrecognizedWellKnown(policy) ?? ports.invalid;
  const refs = validateRefs(resources, policy);
  if (invalid) return { ...refs, invalid };
  if (ports.unattached) return { ...refs, unattached: ports.unattached };
  return ports.warning ? { ...refs, warning: ports.warning } : refs;
}

function validateRefs(resources: ResourceSet, policy: BackendTLSPolicy): Validation {
  const namespace = policy.metadata.namespace ?? '';
  const spec = policy.spec?.validation;
  const refs = spec?.caCertificateRefs ?? [];
  if (refs.length === 0) {
    if (spec?.wellKnownCACertificates === 'System') return { system: true };
    // Another value: Accepted=False/Invalid (unrecognizedWellKnown), with no reference to resolve.
    if (spec?.wellKnownCACertificates !== undefined) return {};
    return {
      problem: {
        resolvedReason: 'InvalidCACertificateRef',
        acceptedReason: 'NoValidCACertificate',
        message: 'spec.validation: set caCertificateRefs or wellKnownCACertificates: System',
      },
    };
  }
  const bundles: string[] = [];
  const names: string[] = [];
  // Every invalid reference is named (the message "must indicate which reference is invalid and
  // why"); the reason is the first one's.
  const problems: Array<{ reason: string; message: string }> = [];
  for (const [index, ref] of refs.entries()) {
    const field = `spec.validation.caCertificateRefs[${index}]`;
    if (!isCoreGroup(ref.group) || ref.kind !== 'ConfigMap') {
      problems.push({ reason: 'InvalidKind', message: `${field}: ${ref.group || 'core'}/${ref.kind} is not supported (only core ConfigMap)` });
      continue;
    }
    const configMap = resources.get('ConfigMap', namespace, ref.name);
    const certificates = certificatesOf(configMap?.data?.[CA_KEY]);
    if (!configMap || !certificates) {
      problems.push({
        reason: 'InvalidCACertificateRef',
        message: !configMap
          ? `${field}: ConfigMap ${namespace}/${ref.name} not found`
          : `${field}: ConfigMap ${namespace}/${ref.name} key ${CA_KEY} does not hold a PEM certificate`,
      });
      continue;
    }
    bundles.push(certificates);
    names.push(ref.name);
  }
  const first = problems[0];
  const problem = first
    ? {
        resolvedReason: first.reason,
        message: problems.map((p) => p.message).join('; '),
        ...(bundles.length === 0 ? { acceptedReason: 'NoValidCACertificate' } : {}),
      }
    : undefined;
  if (bundles.length === 0) return problem ? { problem } : {};
  const caSecret: IRSecret = {
    name: `backendtlspolicy/${namespace}/${policy.metadata.name}/ca`,
    trustedCa: `${bundles.join('\n')}\n`,
    source: { kind: 'ConfigMap', namespace, name: names.join(',') },
  };
  return problem ? { caSecret, problem } : { caSecret };
}

function compareAge(a: BackendTLSPolicy, b: BackendTLSPolicy): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return compareStrings(ta, tb);
  return compareStrings(`${a.metadata.namespace}/${a.metadata.name}`, `${b.metadata.namespace}/${b.metadata.name}`);
}

interface PolicyState {
  policy: BackendTLSPolicy;
  validation: Validation;
  /** Targets (`namespace/service|sectionName`) an older policy already claims, with why. */
  conflicts: Map<string, string>;
  /** Service targets as `namespace/service|sectionName` ('' = every port). */
  targets: Array<{ service: string; sectionName: string }>;
}

/**
 * Applies BackendTLSPolicies to the clusters of the Services they target and returns
 * their status, one ancestor per Gateway of ours whose configuration reaches a targeted
 * Service port. Only policies with at least one such ancestor get a status from us.
 */
export function applyBackendTLSPolicies(ctx: BackendTLSContext): ObjectStatus[] {
  const states: PolicyState[] = [];
  const claimed = new Map<string, string>();
  for (const policy of [...ctx.resources.list('BackendTLSPolicy')].sort(compareAge)) {
    const namespace = policy.metadata.namespace ?? '';
    const targets = (policy.spec?.targetRefs ?? [])
      .filter((ref) => isCoreGroup(ref.group) && ref.kind === 'Service')
      .map((ref) => ({ service: `${namespace}/${ref.name}`, sectionName: ref.sectionName ?? '' }));
    const state: PolicyState = { policy, validation: validate(ctx.resources, policy), targets, conflicts: new Map() };
    for (const target of targets) {
      const key = `${target.service}|${target.sectionName}`;
      const owner = claimed.get(key);
      if (owner === undefined) claimed.set(key, `${namespace}/${policy.metadata.name}`);
      else if (owner !== `${namespace}/${policy.metadata.name}`) {
        state.conflicts.set(key, `BackendTLSPolicy ${owner} already targets Service ${target.service}${target.sectionName ? ` port ${target.sectionName}` : ''} and is older`);
      }
    }
    states.push(state);
  }

  // Which policy governs each cluster: a sectionName match beats a whole-Service one.
  const governing = new Map<string, PolicyState>();
  // Clusters only invalid policies target: TLS is required but cannot be set up.
  const invalid = new Set<string>();
  const ancestors = new Map<PolicyState, Set<string>>();
  // Per policy, the Gateways that reach a target it lost to an older policy, with why.
  const conflictedAt = new Map<PolicyState, Map<string, string>>();
  for (const [gatewayKey, clusterNames] of ctx.clustersByGateway) {
    for (const clusterName of clusterNames) {
      // A TCP cluster's passthrough variant has no Service port: it carries the client's TLS as
      // it is, and no policy originates TLS on it.
      const port = ctx.clusters.servicePortOf(clusterName);
      if (!port) continue;
      const cluster = ctx.clusters.get(clusterName);
      // TLS is for TCP: a policy naming a UDP port is refused (targetPortProblems), and a UDP port it
      // covers with the rest of its Service is left as it is either way.
      const udp = cluster?.protocol === 'udp';
      const service = `${port.namespace}/${port.service}`;
      let best: PolicyState | undefined;
      let bestSpecific = false;
      for (const state of states) {
        for (const target of state.targets) {
          if (target.service !== service) continue;
          const unattached = state.validation.unattached;
          const specific = target.sectionName !== '';
          if (!unattached && specific && target.sectionName !== port.portName) continue;
          // Ancestors are Gateways of ours; a mesh proxy group (`mesh/<namespace>`) is not one. A
          // policy none of whose targets exists is listed on the Gateways that route to its Services.
          if (ctx.gateways.has(gatewayKey)) {
            const set = ancestors.get(state) ?? new Set<string>();
            set.add(gatewayKey);
            ancestors.set(state, set);
          }
          // A target lost to an older policy is that policy's to govern.
          const conflict = state.conflicts.get(`${target.service}|${target.sectionName}`);
          if (conflict !== undefined) {
            if (ctx.gateways.has(gatewayKey)) {
              const at = conflictedAt.get(state) ?? new Map<string, string>();
              if (!at.has(gatewayKey)) at.set(gatewayKey, conflict);
              conflictedAt.set(state, at);
            }
            continue;
          }
          if (unattached || udp) continue;
          if (state.validation.problem?.acceptedReason !== undefined || state.validation.invalid) {
            invalid.add(clusterName);
            continue;
          }
          if (!best || (specific && !bestSpecific)) {
            best = state;
            bestSpecific = specific;
          }
        }
      }
      if (best) governing.set(clusterName, best);
    }
  }

  for (const clusterName of invalid) {
    if (governing.has(clusterName)) continue;
    // Never fall back to plaintext: with no usable TLS settings the backend has no
    // endpoint this Gateway may use, and requests are answered 503 by the proxy.
    const cluster = ctx.clusters.writable(clusterName);
    if (cluster) {
      cluster.endpoints = [];
      if (cluster.discovery === 'dns') {
        cluster.discovery = 'static';
        delete cluster.dnsName;
        delete cluster.dnsPort;
      }
    }
  }
  // The Gateways in key order, sorted once for every cluster that presents a client certificate.
  let gatewaysInOrder: Array<[string, ReadonlySet<string>]> | undefined;
  for (const [clusterName, state] of governing) {
    const cluster = ctx.clusters.writable(clusterName);
    const spec = state.policy.spec?.validation;
    if (!cluster || !spec) continue;
    const tls: IRUpstreamTLS = {
      sni: spec.hostname,
      subjectAltNames: (spec.subjectAltNames ?? []).flatMap((san): IRUpstreamTLS['subjectAltNames'] => {
        if (san.type === 'Hostname' && san.hostname) return [{ type: 'Hostname' as const, value: san.hostname }];
        if (san.type === 'URI' && san.uri) return [{ type: 'URI' as const, value: san.uri }];
        return [];
      }),
    };
    if (state.validation.caSecret) {
      tls.caSecret = state.validation.caSecret.name;
      ctx.secrets.set(state.validation.caSecret.name, state.validation.caSecret);
    }
    if (state.validation.system) tls.system = true;
    // The client certificate belongs to the Gateway: each Gateway that reaches the cluster
    // presents its own (a certificate of another Gateway, perhaps of another namespace, is
    // never sent to its proxy).
    let clients: Record<string, string> | undefined;
    for (const [gatewayKey, names] of (gatewaysInOrder ??= [...ctx.clustersByGateway].sort(([a], [b]) => compareStrings(a, b)))) {
      const certificate = names.has(clusterName) ? ctx.gateways.get(gatewayKey)?.backendClientCertificate : undefined;
      if (certificate !== undefined) (clients ??= {})[gatewayKey] = certificate;
    }
    if (clients) tls.clientCertificates = clients;
    cluster.tls = tls;
  }

  const statuses: ObjectStatus[] = [];
  for (const state of states) {
    // PolicyStatus holds at most 16 ancestors, and the API server refuses a longer list (the
    // whole status would go unwritten): the first 16 Gateways by namespace/name are listed.
    const gatewayKeys = [...(ancestors.get(state) ?? [])].sort(compareStrings).slice(0, MAX_POLICY_ANCESTORS);
    if (gatewayKeys.length === 0) continue;
    const generation = state.policy.metadata.generation;
    const conditions = policyConditions(ctx.clock, generation, state);
    const conflicted = conflictedAt.get(state);
    statuses.push({
      apiVersion: state.policy.apiVersion,
      kind: 'BackendTLSPolicy',
      namespace: state.policy.metadata.namespace ?? '',
      name: state.policy.metadata.name,
      ...(generation !== undefined ? { generation } : {}),
      status: {
        ancestors: gatewayKeys.map((key) => {
          const [namespace, name] = key.split('/') as [string, string];
          return {
            ancestorRef: { group: GATEWAY_GROUP, kind: 'Gateway', namespace, name },
            controllerName: ctx.controllerName,
            conditions: conflicted?.has(key) ? conflictedConditions(ctx.clock, generation, conflicted.get(key) as string, conditions) : conditions,
          };
        }),
      },
    });
  }
  return statuses;
}

/** The conditions on a Gateway that reaches a target the policy lost: Conflicted, its ResolvedRefs as elsewhere. */
function conflictedConditions(clock: ConditionClock, generation: number | undefined, conflict: string, elsewhere: Condition[]): Condition[] {
  return [condition(clock, generation, 'Accepted', false, 'Conflicted', conflict), ...elsewhere.filter((c) => c.type !== 'Accepted')];
}

function policyConditions(clock: ConditionClock, generation: number | undefined, state: PolicyState): Condition[] {
  const problem = state.validation.problem;
  const accepted = state.validation.invalid
    ? condition(clock, generation, 'Accepted', false, 'Invalid', state.validation.invalid)
    : state.validation.unattached
      ? condition(clock, generation, 'Accepted', false, 'TargetNotFound', state.validation.unattached)
      : problem?.acceptedReason !== undefined
        ? condition(clock, generation, 'Accepted', false, problem.acceptedReason, problem.message)
        : condition(clock, generation, 'Accepted', true, 'Accepted', state.validation.warning ? `Policy is accepted; ${state.validation.warning}` : 'Policy is accepted');
  const resolved = problem
    ? condition(clock, generation, 'ResolvedRefs', false, problem.resolvedReason, problem.message)
    : condition(clock, generation, 'ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved');
  return [accepted, resolved];
}
