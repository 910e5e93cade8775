import { describe, expect, it } from 'vitest';
import { REDACTED, buildXds, configDump, decodeMessage, encodeMessage, redactSecrets, validateMessageJson } from '../src/index.js';
import type { EnvoyMessage } from '../src/index.js';
import { loadIR } from './helpers.js';

const PRIVATE_KEY_MARKERS = ['SITE-PRIVATE-KEY-MATERIAL', 'CLIENT-PRIVATE-KEY-MATERIAL', 'BEGIN PRIVATE KEY'];

function richGroup() {
  return buildXds(loadIR('rich.ir.yaml')).groups['default/edge'];
}

describe('configDump', () => {
  it('never contains a private key', () => {
    const resources = richGroup();
    // The served resources do carry the keys (Envoy needs them)...
    expect(JSON.stringify(resources)).toContain('SITE-PRIVATE-KEY-MATERIAL');
    const text = JSON.stringify(configDump(resources));
    for (const marker of PRIVATE_KEY_MARKERS) expect(text).not.toContain(marker);
    expect(text).toContain(REDACTED);
    // ...while certificates and CAs stay visible for debugging.
    expect(text).toContain('MIIBsite');
    expect(text).toContain('MIIBclientca');
  });

  it('has the envoy.admin.v3.ConfigDump shape: it strictly encodes, validates and round-trips with the real protos', () => {
    const dump = configDump(richGroup(), { versionInfo: 'v1', lastUpdated: '2026-01-02T03:04:05.000Z' });
    expect(validateMessageJson('envoy.admin.v3.ConfigDump', dump)).toEqual([]);
    const decoded = decodeMessage('envoy.admin.v3.ConfigDump', encodeMessage('envoy.admin.v3.ConfigDump', dump));
    expect(decoded).toEqual(dump);
    const configs = dump.configs as EnvoyMessage[];
    expect(configs.map((c) => c['@type'])).toEqual([
      'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
      'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
      'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
      'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
      'type.googleapis.com/envoy.admin.v3.SecretsConfigDump',
    ]);
    const listeners = configs[2].dynamic_listeners as Array<{ name: string; active_state: { listener: EnvoyMessage; version_info: string } }>;
    expect(listeners[0].active_state.version_info).toBe('v1');
    expect(listeners[0].active_state.listener['@type']).toBe('type.googleapis.com/envoy.config.listener.v3.Listener');
  });

  it('is deterministic without explicit versions', () => {
    expect(JSON.stringify(configDump(richGroup()))).toBe(JSON.stringify(configDump(richGroup())));
  });
});

describe('redactSecrets', () => {
  it('replaces sensitive fields (found through udpa.annotations.sensitive) and leaves the input untouched', () => {
    const resources = richGroup();
    const before = JSON.stringify(resources);
    const redacted = redactSecrets(resources);
    expect(JSON.stringify(resources)).toBe(before);
    const siteCert = redacted.secrets.find((s) => s.name === 'default/site-cert');
    expect(siteCert?.message).toEqual({
      name: 'default/site-cert',
      tls_certificate: {
        certificate_chain: { inline_string: '-----BEGIN CERTIFICATE-----\nMIIBsite\n-----END CERTIFICATE-----\n' },
        private_key: { inline_string: REDACTED },
      },
    });
    expect(redacted.listeners).toEqual(resources.listeners);
  });
});
