// Shapes of the conformance data (cases/*.json, setup.json, features.json) as the
// runner reads them. The data is validated by the suite's own schema checker, so
// these types describe it rather than re-validate it; fields the runner does not
// read are left out.

export interface ExpectedCondition {
  type: string;
  /** null = any status */
  status: string | null;
  /** null = any reason */
  reason: string | null;
}

export interface ObjectRef {
  kind: string;
  namespace?: string | null;
  name: string;
}

export interface NamespacedName {
  namespace: string | null;
  name: string;
}

export interface FeatureGate {
  feature: string;
  supported: boolean;
}

export interface AssertionSource {
  file?: string;
  line?: number;
}

export interface AssertionBase {
  id: string;
  category: 'status' | 'traffic' | 'action';
  type: string;
  expressible?: boolean;
  subtest?: string;
  when?: FeatureGate[];
  note?: string;
  /** Status entries: the upstream helper they were expanded from. Mesh traffic: the client pod. */
  from?: string | { selector?: string; namespace?: string };
  requiresCurrentGeneration?: boolean;
  source?: AssertionSource;
}

/** Any assertion; fields beyond the common ones are read by the evaluator of its type. */
export type Assertion = AssertionBase & Record<string, unknown>;

export interface ConformanceCase {
  schemaVersion: number;
  shortName: string;
  description: string;
  suite: 'gateway' | 'mesh';
  features: string[];
  profiles: string[];
  channel: string;
  baseManifests: string[];
  manifests: string[];
  preconditions: FeatureGate[];
  notes?: string[];
  assertions: Assertion[];
}

export interface GeneratedFixture {
  kind: 'Secret' | 'ConfigMap';
  type?: string;
  namespace: string;
  name: string;
  dnsOrUriSANs?: string[];
  /** `self` or a CA letter (A..D) */
  signedBy?: string;
  extKeyUsage?: 'serverAuth' | 'clientAuth';
  /** For ConfigMaps: which CA (`A`, `unrelated CA`, `D (signs nothing; ...)`). */
  ca?: string;
}

export interface SetupData {
  baseManifests: Record<string, { path: string; appliedWhenCaseFeature: string; readyNamespaces: string[] }>;
  generatedFixtures: { objects: GeneratedFixture[] };
  readinessAnnotation?: { key: string; value: string };
}

export interface FeatureInfo {
  name: string;
  channel: string;
  profiles: Array<{ profile: string; support: string }>;
  cases: string[];
}

export interface FeaturesData {
  features: FeatureInfo[];
  profiles?: Record<string, unknown>;
}
