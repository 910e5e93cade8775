// Upstream HTTP/2 (gRPC, h2c appProtocol) through HttpProtocolOptions.
import { typed } from '../build/util.js';
import type { XdsFeature } from './feature.js';

export const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export const upstreamProtocolFeature: XdsFeature = {
  name: 'upstream_protocol',
  patchCluster(cluster, ir) {
    if (ir.protocol !== 'http2') return;
    cluster.typed_extension_protocol_options = {
      [HTTP_PROTOCOL_OPTIONS]: typed(HTTP_PROTOCOL_OPTIONS, { explicit_http_config: { http2_protocol_options: {} } }),
    };
  },
};
