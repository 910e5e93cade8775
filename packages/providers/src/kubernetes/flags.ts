import { KubeConfig } from '@kubernetes/client-node';
import type { KubernetesProviderOptions } from './provider.js';
import type { Logger } from './logger.js';

/**
 * The `portico serve --provider kubernetes` flags, in node:util parseArgs
 * form, so the CLI can merge them into its own option table.
 */
export const KUBERNETES_FLAGS = {
  kubeconfig: { type: 'string' },
  'leader-elect': { type: 'boolean' },
  'leader-election-namespace': { type: 'string' },
  'leader-election-lease-name': { type: 'string' },
  'leader-election-identity': { type: 'string' },
  'leader-election-lease-duration': { type: 'string' },
  'leader-election-renew-deadline': { type: 'string' },
  'leader-election-retry-period': { type: 'string' },
  'xds-service-host': { type: 'string' },
  'xds-service-port': { type: 'string' },
  'envoy-image': { type: 'string' },
  'envoy-replicas': { type: 'string' },
  'envoy-service-type': { type: 'string' },
  'envoy-xds-tls-secret': { type: 'string' },
  'envoy-vhds': { type: 'boolean' },
  'no-provision': { type: 'boolean' },
} as const;

export const KUBERNETES_FLAGS_USAGE = `Kubernetes provider (--provider kubernetes):
      --kubeconfig PATH                 kubeconfig (default: in-cluster, else $KUBECONFIG or ~/.kube/config)
      --leader-elect                    elect a leader through a Lease; only the leader writes status and provisions
      --leader-election-namespace NS    Lease namespace (default $POD_NAMESPACE, else portico-system)
      --leader-election-lease-name N    Lease name (default portico-leader)
      --leader-election-identity ID     this replica's identity (default $POD_NAME, else hostname)
      --leader-election-lease-duration D  e.g. 15s (default 15s)
      --leader-election-renew-deadline D  e.g. 10s (default 10s)
      --leader-election-retry-period D  e.g. 2s (default 2s)
      --xds-service-host HOST           DNS name provisioned Envoys use to reach the xDS server
                                        (default portico.$POD_NAMESPACE.svc.cluster.local)
      --xds-service-port PORT           its port (default: the --xds-address port)
      --envoy-image IMAGE               Envoy image for provisioned Gateways (default envoyproxy/envoy:distroless-v1.37.0)
      --envoy-replicas N                Envoy replicas per Gateway (default 1)
      --envoy-service-type T            LoadBalancer | NodePort | ClusterIP (default LoadBalancer)
      --envoy-xds-tls-secret NAME       Secret (tls.crt, tls.key, ca.crt) Envoy uses for mTLS to the xDS server
      --envoy-vhds                      provisioned Envoys use Delta ADS with VHDS: an HTTPRoute edit sends
                                        the virtual hosts it changed, not the whole route table of the port
      --no-provision                    do not create Envoy Deployments/Services (Envoy deployed by other means)
`;

export type KubernetesFlagValues = Partial<Record<keyof typeof KUBERNETES_FLAGS, string | boolean | undefined>>;

/** A flag value that cannot be used; the message names the flag. */
export class KubernetesFlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubernetesFlagError';
  }
}

/** `15s`, `1500ms`, `2m` or a bare number of seconds, in milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) throw new KubernetesFlagError(`${flag}: "${value}" is not a duration (examples: 15s, 1500ms, 2m)`);
  const amount = Number(match[1]);
  const unit = match[2] ?? 's';
  const ms = unit === 'ms' ? amount : unit === 'm' ? amount * 60_000 : amount * 1000;
  if (ms <= 0) throw new KubernetesFlagError(`${flag}: must be positive`);
  return ms;
}

function positiveInt(value: string, flag: string, max = 65535): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max) {
    throw new KubernetesFlagError(`${flag}: "${value}" must be an integer from 1 to ${max}`);
  }
  return parsed;
}

function text(values: KubernetesFlagValues, flag: keyof typeof KUBERNETES_FLAGS): string | undefined {
  const value = values[flag];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Provider options from the serve flags. `xdsPort` is the port the xDS
 * server listens on (from --xds-address), the default for --xds-service-port.
 */
export function kubernetesProviderOptions(
  values: KubernetesFlagValues,
  context: { controllerName: string; xdsPort: number; logger?: Logger; env?: NodeJS.ProcessEnv },
): KubernetesProviderOptions {
  const env = context.env ?? process.env;
  const kubeConfig = new KubeConfig();
  const kubeconfigPath = text(values, 'kubeconfig');
  try {
    if (kubeconfigPath) kubeConfig.loadFromFile(kubeconfigPath);
    else kubeConfig.loadFromDefault();
  } catch (error) {
    throw new KubernetesFlagError(`--kubeconfig: cannot load ${kubeconfigPath ?? 'the default kubeconfig'}: ${(error as Error).message}`);
  }
  const podNamespace = env.POD_NAMESPACE || 'portico-system';
  const serviceType = text(values, 'envoy-service-type') ?? 'LoadBalancer';
  if (serviceType !== 'LoadBalancer' && serviceType !== 'NodePort' && serviceType !== 'ClusterIP') {
    throw new KubernetesFlagError(`--envoy-service-type: "${serviceType}" must be LoadBalancer, NodePort or ClusterIP`);
  }
  const options: KubernetesProviderOptions = {
    kubeConfig,
    controllerName: context.controllerName,
    logger: context.logger,
  };
  if (values['leader-elect'] === true) {
    options.leaderElection = {
      namespace: text(values, 'leader-election-namespace') ?? podNamespace,
      leaseName: text(values, 'leader-election-lease-name') ?? 'portico-leader',
      identity: text(values, 'leader-election-identity') ?? env.POD_NAME ?? undefined,
      leaseDurationMs: parseDuration(text(values, 'leader-election-lease-duration') ?? '15s', '--leader-election-lease-duration'),
      renewDeadlineMs: parseDuration(text(values, 'leader-election-renew-deadline') ?? '10s', '--leader-election-renew-deadline'),
      retryPeriodMs: parseDuration(text(values, 'leader-election-retry-period') ?? '2s', '--leader-election-retry-period'),
    };
    if (options.leaderElection.renewDeadlineMs! >= options.leaderElection.leaseDurationMs!) {
      throw new KubernetesFlagError('--leader-election-renew-deadline must be shorter than --leader-election-lease-duration');
    }
  }
  if (values['no-provision'] !== true) {
    const servicePort = text(values, 'xds-service-port');
    options.provisioning = {
      envoyImage: text(values, 'envoy-image') ?? 'envoyproxy/envoy:distroless-v1.37.0',
      xdsHost: text(values, 'xds-service-host') ?? `portico.${podNamespace}.svc.cluster.local`,
      xdsPort: servicePort ? positiveInt(servicePort, '--xds-service-port') : context.xdsPort,
      replicas: positiveInt(text(values, 'envoy-replicas') ?? '1', '--envoy-replicas', 1000),
      serviceType,
      xdsTlsSecretName: text(values, 'envoy-xds-tls-secret'),
      ...(values['envoy-vhds'] === true ? { vhds: true } : {}),
    };
  }
  return options;
}
