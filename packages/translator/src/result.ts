import type { TranslationMemo } from './memo.js';
import type { Condition } from '@portico/api';
import type { IR } from '@portico/ir';

export interface TranslateOptions {
  /** GatewayClasses whose spec.controllerName equals this are ours. */
  controllerName: string;
  /**
   * Addresses the data plane is reachable at, per Gateway `namespace/name`
   * (the Kubernetes provider fills these from the provisioned Service).
   * Gateways without an entry get their valid spec.addresses, else `defaultAddress`.
   */
  gatewayAddresses?: Record<string, Array<{ type: string; value: string }>>;
  /**
   * The Gateway API CRDs installed, by name (`gateways.gateway.networking.k8s.io`), with their
   * `gateway.networking.k8s.io/bundle-version` annotation (null: the CRD has none). Absent:
   * nothing is known of the CRDs (file mode), and GatewayClasses say SupportedVersion=True.
   */
  crdBundleVersions?: Record<string, string | null>;
  /** Address reported for Gateways with nothing better (file mode). Default 127.0.0.1. */
  defaultAddress?: string;
  /**
   * Also act as a service mesh control plane (GAMMA): routes whose parentRef is a
   * Service get status and configure `mesh/<namespace>` proxy groups. Off by default,
   * so another mesh implementation's routes are left alone.
   */
  mesh?: boolean;
  /**
   * Clock for lastTransitionTime. The translator is pure: callers pass the time.
   * Default: the Unix epoch, so output is reproducible.
   */
  now?: string;
  /**
   * Carried from one translation to the next so unchanged input is not translated again
   * (see TranslationMemo). The result is the same with or without it, except that reused
   * route conditions keep the lastTransitionTime they were first stamped with.
   */
  memo?: TranslationMemo;
}

/** The computed status of one input object. */
export interface ObjectStatus {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  generation?: number;
  /** The full `.status` of the object as Portico computes it. */
  status: Record<string, unknown>;
}

/** A problem found while translating that is not (only) a status condition. */
export interface TranslateDiagnostic {
  severity: 'warning' | 'error';
  /** `Kind namespace/name` */
  object: string;
  field?: string;
  message: string;
}

export interface TranslationResult {
  ir: IR;
  /** Sorted by kind (STATUS_KINDS order), namespace, name. */
  statuses: ObjectStatus[];
  diagnostics: TranslateDiagnostic[];
}

export type { Condition };
