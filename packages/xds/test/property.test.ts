// Property: for arbitrary IR (within the IR contract, including hostile
// strings), buildXds never throws, everything it serves strictly encodes and
// passes validation, and every IR route is either served or reported.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessageViaProtobufjs, typeNameOf } from '../src/codec.js';
import { buildXds, encodeResource, validateResource } from '../src/index.js';
import type { EnvoyMessage, EnvoyResource } from '../src/index.js';
import { arbitraryIR } from './arbitrary.js';
import { fuzzParameters } from '@portico/test-support';

describe('buildXds on arbitrary IR', () => {
  it('never throws, serves only valid resources, and accounts for every route', () => {
    fc.assert(
      fc.property(arbitraryIR, (input) => {
        const result = buildXds(input);
        const group = result.groups['default/gw'];
        for (const resource of Object.values(group).flat() as EnvoyResource[]) {
          const bytes = encodeResource(resource);
          // The direct encoder writes what protobufjs' own encoder writes.
          expect(Buffer.from(bytes).equals(encodeMessageViaProtobufjs(typeNameOf(resource.type), resource.message))).toBe(true);
          expect(validateResource(resource)).toEqual([]);
        }
        const served = new Set(
          group.routes.flatMap((rc) =>
            (rc.message.virtual_hosts as EnvoyMessage[]).flatMap((vh) => (vh.routes as EnvoyMessage[]).map((r) => r.name)),
          ),
        );
        const reported = result.rejected.filter((r) => r.type === 'route').map((r) => r.field);
        input.gateways[0].listeners[0].filterChains.forEach((chain) => {
          if (chain.type !== 'http') return;
          chain.routeConfig.virtualHosts[0].routes.forEach((r, i) => {
            const accounted = served.has(r.name) || reported.some((f) => f.startsWith(`virtual_hosts[0].routes[${i}]`));
            expect(accounted, r.name).toBe(true);
          });
        });
      }),
      fuzzParameters(40, 20261123),
    );
  });
});
