import type { ResourceSet } from '@portico/api';
import type { ObjectStatus, TranslateDiagnostic } from '@portico/translator';
import type { XdsBuildResult } from '@portico/xds';

/** A problem with the input (same shape as a provider problem). */
export interface InputProblem {
  source: string;
  document?: number;
  object?: string;
  field?: string;
  message: string;
}

/** One complete pipeline result: what the control plane currently serves. */
export interface ControlPlaneSnapshot {
  /** Increases by one per build. */
  version: number;
  /** ISO time of the build. */
  builtAt: string;
  resources: ResourceSet;
  statuses: readonly ObjectStatus[];
  problems: readonly InputProblem[];
  diagnostics: readonly TranslateDiagnostic[];
  xds: XdsBuildResult;
}

/** A NACK from a proxy, as the ADS server reports it. */
export interface NackError {
  node: string;
  typeUrl: string;
  version?: string;
  message: string;
}

/** What the admin server reads; the control plane implements it. */
export interface AdminState {
  /** Undefined until the first full build. */
  current(): ControlPlaneSnapshot | undefined;
  /** The last failure of the pipeline, if the latest input could not be built. */
  lastBuildError?(): string | undefined;
  connectedProxies?(): readonly unknown[];
  nackErrors?(): readonly NackError[];
}
