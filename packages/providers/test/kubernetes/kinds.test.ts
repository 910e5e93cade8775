import { apiGroupsOf, inCurrentShape } from '@portico/api';
import { describe, expect, it } from 'vitest';
import { apiVersionOf, CORE_KINDS, GATEWAY_API_KINDS, PORTICO_KINDS } from '../../src/kubernetes/kinds.js';

// File mode reads each kind from the groups apiGroupsOf names: the provider must watch the
// same, or a manifest would mean one thing in a file and another in a cluster.
describe('watched kinds', () => {
  const watched = [...GATEWAY_API_KINDS, ...PORTICO_KINDS, ...CORE_KINDS];

  it('are watched in exactly the API groups file mode reads them from', () => {
    for (const { kind, candidates } of watched) {
      const groups = [...new Set(candidates.map((candidate) => candidate.group))].sort();
      expect(groups, kind).toEqual([...apiGroupsOf(kind)].sort());
    }
  });

  it('come to the translator under the kind they are watched for, whatever the server calls them', () => {
    for (const { kind, candidates } of watched) {
      for (const candidate of candidates) {
        const read = inCurrentShape({ apiVersion: apiVersionOf(candidate), kind: candidate.serverKind, metadata: { name: 'x' } });
        expect(read.kind, `${candidate.serverKind} ${apiVersionOf(candidate)}`).toBe(kind);
      }
    }
  });
});
