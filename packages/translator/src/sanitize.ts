import { ResourceSet, describeObject, type LoadProblem, type LoadResult } from '@portico/api';
import { sameJsonFields } from './util.js';

// Input objects are untrusted: a manifest or a watch event may carry fields of the wrong
// type (a string where a list belongs, a list element without its name). Rather than
// guard every access, the translator works on a sanitized copy: values whose type does
// not fit the field are dropped (as if omitted), and list entries missing a required
// name are removed. Problems a user must see still come out as status, because a dropped
// field then fails validation like a missing one does.

type Expect = 'array' | 'object' | 'string' | 'number' | 'boolean';

/** Expected type by field name; `parent.field` entries override ambiguous names. */
const FIELD_TYPES: Record<string, Expect> = {
  // lists
  listeners: 'array', parentRefs: 'array', hostnames: 'array', rules: 'array', matches: 'array',
  headers: 'array', queryParams: 'array', filters: 'array', backendRefs: 'array', certificateRefs: 'array',
  kinds: 'array', set: 'array', add: 'array', remove: 'array', codes: 'array', allowOrigins: 'array',
  allowMethods: 'array', allowHeaders: 'array', exposeHeaders: 'array', ports: 'array', endpoints: 'array',
  addresses: 'array', caCertificateRefs: 'array', perPort: 'array', targetRefs: 'array',
  subjectAltNames: 'array', matchExpressions: 'array', values: 'array', allowedHeaders: 'array',
  allowedResponseHeaders: 'array', clusterIPs: 'array', to: 'array',
  // objects
  spec: 'object', metadata: 'object', labels: 'object', annotations: 'object', tls: 'object',
  allowedRoutes: 'object', namespaces: 'object', selector: 'object', matchLabels: 'object',
  requestRedirect: 'object', urlRewrite: 'object', requestMirror: 'object', requestHeaderModifier: 'object',
  responseHeaderModifier: 'object', cors: 'object', externalAuth: 'object', extensionRef: 'object',
  backendRef: 'object', fraction: 'object', timeouts: 'object', retry: 'object', sessionPersistence: 'object',
  cookieConfig: 'object', conditions: 'object', targetRef: 'object', data: 'object', stringData: 'object',
  infrastructure: 'object', parametersRef: 'object', frontend: 'object', default: 'object', validation: 'object',
  backend: 'object', clientCertificateRef: 'object', forwardBody: 'object', grpc: 'object', http: 'object',
  allowedListeners: 'object', parentRef: 'object', options: 'object', path: 'object',
  // strings
  name: 'string', namespace: 'string', hostname: 'string', protocol: 'string', type: 'string',
  kind: 'string', group: 'string', sectionName: 'string', apiVersion: 'string',
  scheme: 'string', replaceFullPath: 'string', replacePrefixMatch: 'string', mode: 'string',
  controllerName: 'string', gatewayClassName: 'string', externalName: 'string', clusterIP: 'string',
  appProtocol: 'string', addressType: 'string', operator: 'string', key: 'string', sessionName: 'string',
  absoluteTimeout: 'string', idleTimeout: 'string', lifetimeType: 'string', request: 'string',
  backendRequest: 'string', backoff: 'string', creationTimestamp: 'string', zone: 'string',
  nodeName: 'string', wellKnownCACertificates: 'string', uri: 'string', value: 'string',
  // numbers
  port: 'number', weight: 'number', statusCode: 'number', percent: 'number', attempts: 'number',
  maxAge: 'number', numerator: 'number', denominator: 'number', generation: 'number', maxSize: 'number',
  // booleans
  allowCredentials: 'boolean', ready: 'boolean', serving: 'boolean', terminating: 'boolean',
};

/** Names whose meaning depends on where they appear. */
const CONTEXT_TYPES: Record<string, Expect | 'any'> = {
  'namespaces.from': 'string', // allowedRoutes.namespaces.from / allowedListeners.namespaces.from
  'spec.from': 'array', // ReferenceGrant
  'http.path': 'string', // ExternalAuth http.path
  'method.method': 'string', // GRPCRoute method match
  'method.service': 'string',
  'endpoints.addresses': 'array',
  'ports.targetPort': 'any',
  'data.*': 'string',
  'stringData.*': 'string',
  'labels.*': 'string',
  'annotations.*': 'string',
  'matchLabels.*': 'string',
  'options.*': 'string',
};

/** List entries that are meaningless without these string fields. */
// Entries that can still be reported on (a backendRef or a header match without a
// name, a filter without a type) are kept so their rule gets a status reason instead.
const REQUIRED: Record<string, readonly string[]> = {
  listeners: ['name', 'protocol'],
  parentRefs: ['name'],
  certificateRefs: ['name'],
  caCertificateRefs: ['name'],
  set: ['name'],
  add: ['name'],
  kinds: ['kind'],
  matchExpressions: ['key', 'operator'],
  targetRefs: ['name'],
};

/** Lists whose entries are plain strings or numbers rather than objects. */
const SCALAR_LISTS: Record<string, 'string' | 'number'> = {
  hostnames: 'string', remove: 'string', allowOrigins: 'string', allowMethods: 'string',
  allowHeaders: 'string', exposeHeaders: 'string', values: 'string', allowedHeaders: 'string',
  allowedResponseHeaders: 'string', clusterIPs: 'string', codes: 'number',
};

const SCALAR_LIST = new Map(Object.entries(SCALAR_LISTS));
const REQUIRED_FIELDS = new Map(Object.entries(REQUIRED));

function fits(value: unknown, expect: Expect): boolean {
  switch (expect) {
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === 'boolean';
  }
}

// The tables as maps (no prototype keys such as `constructor`), context split by parent:
// this runs for every field of every input object on every translation.
const FIELD_TYPE = new Map<string, Expect>(Object.entries(FIELD_TYPES));
const CONTEXT_TYPE = new Map<string, Map<string, Expect | 'any'>>();
for (const [path, expect] of Object.entries(CONTEXT_TYPES)) {
  const dot = path.indexOf('.');
  const parent = path.slice(0, dot);
  let byKey = CONTEXT_TYPE.get(parent);
  if (!byKey) CONTEXT_TYPE.set(parent, (byKey = new Map()));
  byKey.set(path.slice(dot + 1), expect);
}

function expectedType(context: Map<string, Expect | 'any'> | undefined, key: string): Expect | 'any' | undefined {
  if (context) {
    const found = context.get(key) ?? context.get('*');
    if (found) return found;
  }
  return FIELD_TYPE.get(key);
}

// Copy-on-write: a list or object that needs no change is returned as it is, so a
// well-formed input (the usual case) is not copied at all. The translator never writes to
// its input (the determinism tests translate frozen objects).

/** One list entry after cleaning, or DROP. */
const DROP = Symbol('drop');

/** A field or list entry sanitizing dropped, and why (see ignoredFields). */
export interface IgnoredField {
  /** Path in the object, as `spec.ports[0].port`. */
  field: string;
  message: string;
}

// Set only while ignoredFields walks an object again to say what was dropped: the fast walk
// (every object of every build) keeps no path.
let reporting: { path: Array<string | number>; out: IgnoredField[] } | undefined;

/** Records why the value at the current path is dropped. */
function report(message: string): void {
  if (!reporting) return;
  let field = '';
  for (const segment of reporting.path) {
    // A key such as a Secret's `tls.key` is quoted, or the path would read as two fields.
    if (typeof segment === 'number') field += `[${segment}]`;
    else if (/[.[\]"]/.test(segment)) field += `[${JSON.stringify(segment)}]`;
    else field += field ? `.${segment}` : segment;
  }
  reporting.out.push({ field, message });
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' && !Number.isFinite(value)) return `${String(value)} (not a finite number)`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value === 'number' ? 'a number' : typeof value === 'boolean' ? 'a boolean' : typeof value} (${String(value)})`;
}

const EXPECTED: Record<Expect, string> = { array: 'a list', object: 'a mapping', string: 'a string', number: 'a number', boolean: 'a boolean' };

function cleanEntry(key: string, entry: unknown, scalar: 'string' | 'number' | undefined, required: readonly string[] | undefined): unknown {
  // EndpointSlice endpoint addresses are strings; Gateway addresses are objects.
  if (key === 'endpoints.addresses') return typeof entry === 'string' ? entry : dropped(entry, 'string');
  if (key === 'addresses') return fits(entry, 'object') ? cleanObject(key, entry as Record<string, unknown>) : dropped(entry, 'object');
  if (scalar) return fits(entry, scalar) ? entry : dropped(entry, scalar);
  if (!fits(entry, 'object')) return dropped(entry, 'object');
  const cleaned = cleanObject(key, entry as Record<string, unknown>);
  if (!required || hasStrings(cleaned, required)) return cleaned;
  if (reporting) report(`an entry needs ${required.join(' and ')} (string${required.length > 1 ? 's' : ''}); the entry is ignored`);
  return DROP;
}

/** DROP for an entry of the wrong type, said when reporting (the message is built only then). */
function dropped(entry: unknown, expected: Expect): typeof DROP {
  if (reporting) report(`expected ${EXPECTED[expected]}, got ${describeValue(entry)}; the entry is ignored`);
  return DROP;
}

function cleanList(key: string, list: unknown[]): unknown[] {
  const scalar = SCALAR_LIST.get(key);
  const required = REQUIRED_FIELDS.get(key);
  let out: unknown[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const entry = list[i];
    if (reporting) reporting.path.push(i);
    const cleaned = cleanEntry(key, entry, scalar, required);
    if (reporting) reporting.path.pop();
    if (!out) {
      if (cleaned === entry) continue;
      out = list.slice(0, i);
    }
    if (cleaned !== DROP) out.push(cleaned);
  }
  return out ?? list;
}

function hasStrings(object: Record<string, unknown>, fields: readonly string[]): boolean {
  for (const field of fields) if (typeof object[field] !== 'string') return false;
  return true;
}

/** One field's value after cleaning, or DROP; `context` is CONTEXT_TYPE's entry for `parent`. */
function cleanValue(parent: string, context: Map<string, Expect | 'any'> | undefined, key: string, value: unknown): unknown {
  if (value === undefined || value === null) return DROP;
  if (key === 'method' && parent !== 'method') {
    // HTTPRoute: a method name; GRPCRoute: {type, service, method}.
    if (typeof value === 'string') return value;
    if (fits(value, 'object')) return cleanObject('method', value as Record<string, unknown>);
    if (reporting) report(`expected a string or a mapping, got ${describeValue(value)}; the field is ignored`);
    return DROP;
  }
  const expect = expectedType(context, key);
  if (expect === 'any' || expect === undefined) return value;
  if (!fits(value, expect)) {
    if (reporting) report(`expected ${EXPECTED[expect]}, got ${describeValue(value)}; the field is ignored`);
    return DROP;
  }
  if (expect === 'array') return cleanList(parent === 'endpoints' && key === 'addresses' ? 'endpoints.addresses' : key, value as unknown[]);
  if (expect === 'object') return cleanObject(key, value as Record<string, unknown>);
  return value;
}

// Called as `hasOwnProperty.call(object, key)` inside for-in, a form V8 answers from the
// object's key cache (several times faster here than Object.hasOwn or Object.keys).
const hasOwnProperty = Object.prototype.hasOwnProperty;

function cleanObject(parent: string, object: Record<string, unknown>): Record<string, unknown> {
  const context = CONTEXT_TYPE.get(parent);
  let out: Record<string, unknown> | undefined;
  // for-in rather than Object.keys: no key array per object.
  for (const key in object) {
    if (!hasOwnProperty.call(object, key)) continue;
    const value = object[key];
    // YAML and JSON make `__proto__` an ordinary key. Copied by assignment it would set the
    // copy's prototype, and the fields under it would be read unsanitized: it is dropped (always
    // at or before the first change, so never copied).
    if (reporting) reporting.path.push(key);
    const cleaned = key === '__proto__' ? DROP : cleanValue(parent, context, key, value);
    if (reporting && key === '__proto__') report('this key is not allowed; the field is ignored');
    if (reporting) reporting.path.pop();
    if (!out) {
      if (cleaned === value) continue;
      out = {};
      for (const earlier in object) {
        if (earlier === key) break;
        if (hasOwnProperty.call(object, earlier)) out[earlier] = object[earlier];
      }
    }
    if (cleaned !== DROP) out[key] = cleaned;
  }
  return out ?? object;
}

/**
 * What sanitizeObject drops from an object (wrong-typed fields, list entries without their
 * names), each with its path and why: for tools that load manifests to tell the user, since a
 * dropped field then reads as a missing one. Walks the object a second time, so call it only
 * for an object sanitizeObject changed.
 */
export function ignoredFields(object: object): IgnoredField[] {
  const out: IgnoredField[] = [];
  reporting = { path: [], out };
  try {
    cleanObject('', object as Record<string, unknown>);
  } finally {
    reporting = undefined;
  }
  return out;
}

/**
 * Loaded manifests' fields the translator will not read (ignoredFields), as warnings naming
 * the document, object and field: `port: "80"` would otherwise read as a missing port.
 */
export function ignoredFieldWarnings(loaded: Pick<LoadResult, 'objects' | 'documents'>, source: string): LoadProblem[] {
  const warnings: LoadProblem[] = [];
  loaded.objects.forEach((object, index) => {
    if (sanitizeObject(object) === object) return;
    const name = describeObject(object as unknown as Record<string, unknown>);
    for (const ignored of ignoredFields(object)) {
      warnings.push({ source, document: loaded.documents[index] ?? 0, ...(name ? { object: name } : {}), field: ignored.field, message: ignored.message });
    }
  });
  return warnings;
}

/**
 * Everything to say about a loaded file that is served: objects of kinds Portico does not read
 * (loadManifests' `unsupported`) and fields it will not read (ignoredFieldWarnings).
 */
export function loadWarnings(loaded: Pick<LoadResult, 'objects' | 'documents' | 'unsupported'>, source: string): LoadProblem[] {
  return [...loaded.unsupported, ...ignoredFieldWarnings(loaded, source)];
}

/**
 * One input object with wrongly-typed fields dropped (a copy only where something was dropped). Objects without a
 * string kind or metadata.name are returned as undefined (they cannot be addressed).
 */
export function sanitizeObject<T extends { kind: string }>(object: T): T | undefined {
  if (!fits(object, 'object')) return undefined;
  const cleaned = cleanObject('', object as unknown as Record<string, unknown>);
  const metadata = cleaned.metadata as Record<string, unknown> | undefined;
  if (typeof cleaned.kind !== 'string' || typeof metadata?.name !== 'string') return undefined;
  return cleaned as unknown as T;
}

// What the API server changes on writes that leave an object's meaning alone. The translator
// reads none of these (nor any input `status`).
const BOOKKEEPING_METADATA: ReadonlySet<string> = new Set(['resourceVersion', 'managedFields']);
// A Service is read for its name and spec: its labels and annotations (which tools such as Helm
// and Argo CD rewrite on every release) change nothing the translator makes. Other kinds' labels
// matter (Namespaces for selectors, EndpointSlices for their Service).
const SERVICE_METADATA_UNREAD: ReadonlySet<string> = new Set([...BOOKKEEPING_METADATA, 'labels', 'annotations']);

const STATUS_AND_METADATA: ReadonlySet<string> = new Set(['status', 'metadata']);

/**
 * Whether two sanitized objects are the same input to the translator: equal except for
 * `status` and the metadata the API server bumps on every write (and a Service's labels and
 * annotations). Every status Portico writes
 * comes back through the watch as a new object; without this, a Gateway's or GatewayClass's
 * own status update made the memo forget every route (a full translation: over a second at
 * 10k routes) and an HTTPRoute's made it translate that route again.
 */
export function sameTranslatorInput(first: object, second: object): boolean {
  const a = first as Record<string, unknown>;
  const b = second as Record<string, unknown>;
  const metadataA = a.metadata;
  const metadataB = b.metadata;
  if (typeof metadataA !== 'object' || typeof metadataB !== 'object' || metadataA === null || metadataB === null) return false;
  return (
    sameJsonFields(
      metadataA as Record<string, unknown>,
      metadataB as Record<string, unknown>,
      a.kind === 'Service' && b.kind === 'Service' ? SERVICE_METADATA_UNREAD : BOOKKEEPING_METADATA,
    ) && sameJsonFields(a, b, STATUS_AND_METADATA)
  );
}

/**
 * The translator's view of its input: every object sanitized (see sanitizeObject). With a
 * memo, an input object seen before gets the same sanitized object back (one at the same
 * position as last time without even a lookup), and so does a new object that is the same
 * input as the one of its kind and name last time (sameTranslatorInput). Kinds whose objects
 * are the same names as last time keep last time's order instead of being sorted.
 */
export function sanitizeResources(input: ResourceSet, memo?: { sanitized: WeakMap<object, object | null>; sanitizedSet?: ResourceSet }): ResourceSet {
  const out = input.mapObjects((object, before) => {
    let cleaned = memo?.sanitized.get(object) as typeof object | null | undefined;
    if (cleaned === undefined) {
      cleaned = sanitizeObject(object) ?? null;
      // An updated object keeps its place in the providers' lists: last time's object there is
      // the one to compare with (no lookup by name, which would index a kind per edit). Its kind
      // and metadata are compared with the rest, so another object there is never taken for it.
      if (cleaned && before && before !== cleaned && sameTranslatorInput(before, cleaned)) cleaned = before;
      memo?.sanitized.set(object, cleaned);
    }
    return cleaned ?? undefined;
  }, memo?.sanitizedSet);
  if (memo) {
    if (memo.sanitizedSet) out.adoptOrderFrom(memo.sanitizedSet);
    memo.sanitizedSet = out;
  }
  return out;
}
