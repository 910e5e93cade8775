// RouteConfigurations as parts (header + virtual host bytes) and their VHDS form. The oracle is
// the plain encoder on the whole JSON message and the Envoy protos' own decoder.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { IR } from '@portico/ir';
import { assembleRouteConfiguration, splitRouteConfiguration } from '../src/build/route_parts.js';
import {
  FEATURES,
  buildXds,
  createXdsBuildMemo,
  decodeMessage,
  decodeResource,
  encodeResource,
  encodedBytesOf,
  routePartsOf,
  vhdsNamespaceOf,
  vhdsRouteConfigurationOf,
} from '../src/index.js';
import type { EnvoyMessage, EnvoyResource } from '../src/index.js';

const goldenDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const goldenIRs = readdirSync(goldenDir)
  .filter((file) => file.endsWith('.in.yaml'))
  .sort()
  .map((file) => ({ name: file, ir: parse(readFileSync(path.join(goldenDir, file), 'utf8')) as IR }));

function routesOf(ir: IR, withMemo: boolean): EnvoyResource[] {
  const result = withMemo ? buildXds(ir, FEATURES, createXdsBuildMemo()) : buildXds(ir);
  return Object.values(result.groups).flatMap((group) => group.routes);
}

const hex = (bytes: Uint8Array | undefined): string => (bytes ? Buffer.from(bytes).toString('hex') : 'none');

describe('RouteConfiguration parts', () => {
  it('covers golden inputs with virtual hosts', () => {
    const hosts = goldenIRs.flatMap(({ ir }) => routesOf(ir, true)).reduce((sum, r) => sum + (r.message.virtual_hosts as unknown[]).length, 0);
    expect(hosts).toBeGreaterThan(20);
  });

  for (const { name, ir } of goldenIRs) {
    it(`${name}: parts assemble into the bytes the whole message encodes to, with and without a memo`, () => {
      for (const withMemo of [true, false]) {
        for (const route of routesOf(ir, withMemo)) {
          const parts = routePartsOf(route);
          expect(parts, route.name).toBeDefined();
          const whole = encodeResource(route);
          expect(parts?.virtualHosts.length).toBe((route.message.virtual_hosts as unknown[]).length);
          expect(hex(assembleRouteConfiguration(parts as NonNullable<typeof parts>)), route.name).toBe(hex(whole));
          expect(hex(encodedBytesOf(route)), route.name).toBe(hex(whole));
          // Each host's bytes are that host's message.
          (route.message.virtual_hosts as EnvoyMessage[]).forEach((host, i) => {
            expect(decodeMessage('envoy.config.route.v3.VirtualHost', parts?.virtualHosts[i] as Uint8Array).name).toBe(host.name);
          });
        }
      }
    });
  }

  it('splits encoded bytes back into the same parts', () => {
    for (const { ir } of goldenIRs) {
      for (const route of routesOf(ir, false)) {
        const whole = encodeResource(route);
        const parts = splitRouteConfiguration(whole);
        expect(hex(assembleRouteConfiguration(parts))).toBe(hex(whole));
        const header = decodeResource('route', parts.header);
        expect(header.virtual_hosts ?? []).toEqual([]);
        expect(header.name).toBe(route.name);
      }
    }
  });

  it('rejects bytes that are not a message', () => {
    expect(() => splitRouteConfiguration(Uint8Array.from([0x12, 0x05, 0x01]))).toThrow(RangeError);
  });
});

describe('VHDS form', () => {
  it('names the namespace as Envoy does: everything before the last slash', () => {
    expect(vhdsNamespaceOf('default/gw/80/example.com')).toBe('default/gw/80');
    expect(vhdsNamespaceOf('example.com')).toBeUndefined();
  });

  for (const { name, ir } of goldenIRs) {
    it(`${name}: header points at ADS, and header + hosts hold every virtual host once`, () => {
      for (const route of routesOf(ir, true)) {
        const vhds = vhdsRouteConfigurationOf(route);
        expect(vhds, route.name).toBeDefined();
        if (!vhds) continue;
        const header = decodeResource('route', vhds.header);
        expect(header.name).toBe(route.name);
        expect(header.vhds).toEqual({ config_source: { ads: {}, resource_api_version: 'V3' } });
        const whole = decodeResource('route', encodeResource(route));
        const inline = (header.virtual_hosts ?? []) as EnvoyMessage[];
        const served = vhds.virtualHosts.map((host) => {
          const message = decodeMessage('envoy.config.route.v3.VirtualHost', host.bytes);
          // Envoy keys VHDS hosts by VirtualHost.name and removes them by resource name.
          expect(message.name).toBe(host.name);
          expect(vhdsNamespaceOf(host.name)).toBe(route.name);
          return message;
        });
        for (const host of inline) expect(vhdsNamespaceOf(host.name as string)).not.toBe(route.name);
        const byName = (a: EnvoyMessage, b: EnvoyMessage) => String(a.name).localeCompare(String(b.name));
        expect([...inline, ...served].sort(byName)).toEqual([...((whole.virtual_hosts ?? []) as EnvoyMessage[])].sort(byName));
        // Every other field is as in the whole message.
        const { virtual_hosts: _w, ...wholeRest } = whole;
        const { virtual_hosts: _h, vhds: _v, ...headerRest } = header;
        expect(headerRest).toEqual(wholeRest);
      }
    });
  }
});
