// Substitution of the placeholders the suite's manifests and assertions carry
// (setup.json `placeholders` and `applyRules`).

export interface StaticAddress {
  type: string;
  value: string;
}

export interface PlaceholderValues {
  gatewayClassName: string;
  controllerName: string;
  usableAddress: StaticAddress;
  unusableAddress: StaticAddress;
  /** `${CONFIGMAP_DATA:ns/name:key}` lookups. */
  configMapData(namespace: string, name: string, key: string): string | undefined;
  /** `${SECRET_DATA:ns/name:key}` lookups (decoded). */
  secretData(namespace: string, name: string, key: string): string | undefined;
  /** `${POD_IP:selector}` lookups. */
  podIp(selector: string): string | undefined;
  /** Value for `${UUID}` / `${REQUEST_ID}`: fresh per request, shared by a request and its expectation. */
  uuid(name: 'UUID' | 'REQUEST_ID'): string;
}

const PLACEHOLDER = /\$\{([A-Z_]+)(?::([^}]*))?\}|\{GATEWAY_CLASS_NAME\}|\{GATEWAY_CONTROLLER_NAME\}/g;

function splitRef(argument: string): { namespace: string; name: string; key: string } | undefined {
  const match = /^([^/]+)\/([^:]+):(.+)$/.exec(argument);
  return match ? { namespace: match[1], name: match[2], key: match[3] } : undefined;
}

/** Replaces every placeholder in one string; unknown placeholders are left as they are. */
export function substituteString(text: string, values: PlaceholderValues): string {
  return text.replace(PLACEHOLDER, (whole, name: string | undefined, argument: string | undefined) => {
    if (whole === '{GATEWAY_CLASS_NAME}') return values.gatewayClassName;
    if (whole === '{GATEWAY_CONTROLLER_NAME}') return values.controllerName;
    switch (name) {
      case 'CONTROLLER_NAME':
        return values.controllerName;
      case 'USABLE_ADDRESS':
        return values.usableAddress.value;
      case 'USABLE_ADDRESS_TYPE':
        return values.usableAddress.type;
      case 'UNUSABLE_ADDRESS':
        return values.unusableAddress.value;
      case 'UNUSABLE_ADDRESS_TYPE':
        return values.unusableAddress.type;
      case 'UUID':
      case 'REQUEST_ID':
        return values.uuid(name);
      case 'CONFIGMAP_DATA':
      case 'SECRET_DATA': {
        const ref = argument ? splitRef(argument) : undefined;
        if (!ref) return whole;
        const found =
          name === 'CONFIGMAP_DATA'
            ? values.configMapData(ref.namespace, ref.name, ref.key)
            : values.secretData(ref.namespace, ref.name, ref.key);
        return found ?? whole;
      }
      case 'POD_IP':
        return (argument && values.podIp(argument)) || whole;
      default:
        return whole;
    }
  });
}

/** Deep copy of `value` with every string substituted. */
export function substitute<T>(value: T, values: PlaceholderValues): T {
  if (typeof value === 'string') return substituteString(value, values) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => substitute(item, values)) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = substitute(item, values);
    return out as T;
  }
  return value;
}

const USABLE_PLACEHOLDER = 'PLACEHOLDER_USABLE_ADDRS';
const UNUSABLE_PLACEHOLDER = 'PLACEHOLDER_UNUSABLE_ADDRS';
const KEPT_INVALID_TYPE = 'test/fake-invalid-type';

/**
 * The upstream applier's rule for Gateway spec.addresses: placeholder entries
 * become the runner's addresses, entries of the deliberately invalid type stay,
 * every other literal address is dropped (see setup.json applyRules).
 */
export function rewriteGatewayAddresses(
  addresses: Array<{ type?: string; value?: string }>,
  values: Pick<PlaceholderValues, 'usableAddress' | 'unusableAddress'>,
): Array<{ type?: string; value?: string }> {
  const out: Array<{ type?: string; value?: string }> = [];
  for (const address of addresses) {
    if (address.value === UNUSABLE_PLACEHOLDER) out.push({ ...values.unusableAddress });
    else if (address.value === USABLE_PLACEHOLDER) out.push({ ...values.usableAddress });
    else if (address.type === KEPT_INVALID_TYPE) out.push({ ...address });
  }
  return out;
}
