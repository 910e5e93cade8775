export { KubernetesProvider } from './provider.js';
export type { KubernetesProviderOptions, KubernetesSnapshot, GatewayAddresses } from './provider.js';
export { LeaderElector } from './leader.js';
export type { LeaderElectionOptions } from './leader.js';
export {
  Provisioner,
  desiredObjects,
  envoyBootstrap,
  gatewayAddressesFromService,
  proxyName,
  servicePorts,
  SERVICE_TYPE_ANNOTATION,
} from './provisioning.js';
export type { ProvisioningOptions, ProvisioningParameters } from './provisioning.js';
export { StatusWriter, mergeStatus } from './status.js';
export { referencedObjects } from './references.js';
export type { ObjectRef } from './references.js';
export { KubeRest, KubeApiError } from './rest.js';
export type { Logger } from './logger.js';
export { GATEWAY_API_KINDS, CORE_KINDS, PORTICO_KINDS } from './kinds.js';
export {
  KUBERNETES_FLAGS,
  KUBERNETES_FLAGS_USAGE,
  KubernetesFlagError,
  kubernetesProviderOptions,
  parseDuration,
} from './flags.js';
export type { KubernetesFlagValues } from './flags.js';
