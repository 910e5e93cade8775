import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { ENVOY_LAYERED_RUNTIME } from '@portico/xds';
import { stringify } from 'yaml';
import { UsageError, parseAddress, parseGatewayRef, type Io } from './common.js';

export const BOOTSTRAP_USAGE = `Usage: portico bootstrap --gateway NAMESPACE/NAME [options]

Prints an Envoy v3 bootstrap (YAML) for a proxy serving one Gateway. The proxy
tells Portico which Gateway it serves through node.cluster (NAMESPACE/NAME) and
gets all of its listeners, routes, clusters, endpoints and secrets over ADS.

Options:
      --gateway NS/NAME       the Gateway this proxy serves (required)
      --xds-address H:P       Portico's ADS server (default 127.0.0.1:18000)
      --node-id ID            node.id (default portico-NAMESPACE-NAME); make it unique per proxy
      --admin-port PORT       Envoy admin port on 127.0.0.1 (default 19901)
      --vhds                  Delta ADS with VHDS: route configurations come without their
                              virtual hosts, which Envoy fetches one by one, so an HTTPRoute
                              edit sends the hosts it changed, not the whole route table
  -h, --help                  show this help

Example:
  portico bootstrap --gateway default/quickstart > envoy.yaml && envoy -c envoy.yaml
`;

export const XDS_CLUSTER = 'xds_cluster';

export interface BootstrapOptions {
  gateway: { namespace: string; name: string };
  xds: { host: string; port: number };
  nodeId?: string;
  adminPort?: number;
  /** Delta ADS, and node metadata portico.vhds asking Portico for VHDS (Envoy allows VHDS on Delta only). */
  vhds?: boolean;
}

/** The bootstrap as Envoy's proto3 JSON (snake_case), ready to print as YAML. */
export function buildBootstrap(options: BootstrapOptions): Record<string, unknown> {
  const group = `${options.gateway.namespace}/${options.gateway.name}`;
  const literal = isIP(options.xds.host) !== 0;
  return {
    node: {
      id: options.nodeId ?? `portico-${options.gateway.namespace}-${options.gateway.name}`,
      // Portico picks the proxy group (the Gateway) by node.cluster.
      cluster: group,
      metadata: options.vhds ? { 'portico.gateway': group, 'portico.vhds': true } : { 'portico.gateway': group },
    },
    dynamic_resources: {
      ads_config: {
        api_type: options.vhds ? 'DELTA_GRPC' : 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: XDS_CLUSTER } }],
        set_node_on_first_message_only: true,
      },
      lds_config: { ads: {}, resource_api_version: 'V3' },
      cds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        {
          name: XDS_CLUSTER,
          // An IP needs no resolver; a host name is re-resolved so the control plane can move.
          type: literal ? 'STATIC' : 'STRICT_DNS',
          connect_timeout: '5s',
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              // ADS is gRPC: the connection to the control plane must be HTTP/2.
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
          load_assignment: {
            cluster_name: XDS_CLUSTER,
            endpoints: [
              {
                lb_endpoints: [
                  {
                    endpoint: {
                      address: { socket_address: { address: options.xds.host, port_value: options.xds.port } },
                    },
                  },
                ],
              },
            ],
          },
        },
      ],
    },
    admin: {
      address: { socket_address: { address: '127.0.0.1', port_value: options.adminPort ?? 19901 } },
    },
    layered_runtime: ENVOY_LAYERED_RUNTIME,
  };
}

export async function runBootstrap(argv: string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        gateway: { type: 'string' },
        'xds-address': { type: 'string', default: '127.0.0.1:18000' },
        'node-id': { type: 'string' },
        'admin-port': { type: 'string', default: '19901' },
        vhds: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    io.stdout(BOOTSTRAP_USAGE);
    return 0;
  }
  if (!values.gateway) throw new UsageError('--gateway NAMESPACE/NAME is required');
  const gateway = parseGatewayRef(values.gateway);
  const xds = parseAddress(values['xds-address'], '--xds-address');
  if (xds.port === 0) throw new UsageError('--xds-address needs a real port, not 0');
  const adminPort = Number(values['admin-port']);
  if (!/^\d+$/.test(values['admin-port']) || adminPort < 1 || adminPort > 65535) {
    throw new UsageError(`--admin-port must be a port number (1-65535), got '${values['admin-port']}'`);
  }
  if (values['node-id'] !== undefined && values['node-id'].trim() === '') {
    throw new UsageError('--node-id must not be empty');
  }
  const bootstrap = buildBootstrap({ gateway, xds, nodeId: values['node-id'], adminPort, vhds: values.vhds === true });
  io.stdout(stringify(bootstrap, { lineWidth: 0 }));
  return 0;
}
