import { isIP } from 'node:net';
import type { Gateway } from '@portico/api';
import { isPreciseHostname } from '../routes/hostnames.js';

/** GatewayStatus.addresses' maxItems. */
const MAX_STATUS_ADDRESSES = 16;

export interface AddressResult {
  addresses: Array<{ type: string; value: string }>;
  /** Accepted=False/UnsupportedAddress message when spec.addresses holds an address type Portico does not support. */
  unsupported?: string;
  /**
   * Programmed=False/AddressNotUsable message: a requested static address of a supported type
   * cannot be used (its value is not one, or the provider reported the addresses the data
   * plane really has, and it is not among them).
   */
  unusable?: string;
  /** Programmed=False/AddressNotAssigned message: the provider has no address for the Gateway yet. */
  unassigned?: string;
}

/**
 * status.addresses: what the provider reports for this Gateway, else the valid
 * spec.addresses, else the default. An entry without a value is given an address of its type
 * from those (GatewaySpecAddress: "an implementation SHOULD automatically assign an address
 * matching the requested type if possible"); when none is left, Programmed=False/
 * AddressNotAssigned says which entry. A provider entry that is present but empty means "not
 * assigned yet".
 */
export function resolveAddresses(
  gateway: Gateway,
  provided: Array<{ type: string; value: string }> | undefined,
  defaultAddress: string,
): AddressResult {
  const requested = gateway.spec?.addresses ?? [];
  const problems: string[] = [];
  // Values of a supported type that cannot be used: the Gateway is still accepted (UnsupportedAddress
  // is for an address *type* not supported), but not programmed.
  const badValues: string[] = [];
  const fromSpec: Array<{ type: string; value: string }> = [];
  // Entries without a value, to be given an address of their type.
  const empty: Array<{ type: string; field: string }> = [];
  for (const [index, address] of requested.entries()) {
    const type = address.type ?? 'IPAddress';
    const field = `spec.addresses[${index}]`;
    if (type === 'IPAddress') {
      if (address.value === undefined || address.value === '') empty.push({ type, field });
      else if (isIP(address.value) === 0) badValues.push(`${field}: "${address.value}" is not an IP address`);
      else fromSpec.push({ type, value: address.value });
    } else if (type === 'Hostname') {
      if (address.value === undefined || address.value === '') empty.push({ type, field });
      else if (!isPreciseHostname(address.value)) badValues.push(`${field}: "${address.value}" is not a hostname an address can have (wildcards cannot be assigned)`);
      else fromSpec.push({ type, value: address.value });
    } else {
      problems.push(`${field}: address type ${type} is not supported (IPAddress, Hostname)`);
    }
  }
  if (provided && provided.length === 0) {
    // The provider knows this Gateway but has no address for it yet (e.g. a LoadBalancer
    // Service still pending): report none rather than a default that is not reachable.
    const result: AddressResult = { addresses: [], unassigned: 'the data plane has no address yet (waiting for the provisioned Service)' };
    if (problems.length > 0) result.unsupported = problems.join('; ');
    if (badValues.length > 0) result.unusable = badValues.join('; ');
    return result;
  }
  // Where an entry without a value gets its address: the data plane's, else the default.
  const pool = provided ?? [{ type: isIP(defaultAddress) === 0 ? 'Hostname' : 'IPAddress', value: defaultAddress }];
  const taken = new Set(fromSpec.map((address) => address.value));
  const assigned: Array<{ type: string; value: string }> = [];
  const unassigned: string[] = [];
  for (const entry of empty) {
    const free = pool.find((address) => address.type === entry.type && !taken.has(address.value));
    if (free) {
      taken.add(free.value);
      assigned.push({ type: free.type, value: free.value });
    } else {
      unassigned.push(`${entry.field}: no ${entry.type} address is left to assign (the data plane has ${pool.map((a) => `${a.type} ${a.value}`).join(', ')})`);
    }
  }
  let addresses: Array<{ type: string; value: string }>;
  let unusable: string | undefined;
  if (provided) {
    // GatewayStatus.addresses holds at most 16: a longer list (a load balancer with many
    // ingress points) would have the API server refuse the whole status.
    addresses = provided.slice(0, MAX_STATUS_ADDRESSES).map((a) => ({ type: a.type, value: a.value }));
    const missing = fromSpec.filter((wanted) => !provided.some((p) => p.value === wanted.value));
    if (missing.length > 0) {
      unusable = `spec.addresses: ${missing.map((a) => a.value).join(', ')} could not be assigned (the data plane has ${provided.map((a) => a.value).join(', ')})`;
    }
  } else if (fromSpec.length + assigned.length > 0) addresses = [...fromSpec, ...assigned];
  else addresses = pool.slice();
  const result: AddressResult = { addresses };
  if (problems.length > 0) result.unsupported = problems.join('; ');
  const notUsable = [...badValues, ...(unusable ? [unusable] : [])];
  if (notUsable.length > 0) result.unusable = notUsable.join('; ');
  if (unassigned.length > 0) result.unassigned = unassigned.join('; ');
  return result;
}
