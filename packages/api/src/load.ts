import { isAlias, isCollection, isPair, isScalar, isSeq, parseAllDocuments, visit, type Document } from 'yaml';
import { GATEWAY_EXPERIMENTAL_GROUP, GATEWAY_GROUP, KNOWN_KINDS, apiGroupsOf, isKnownKind } from './resources.js';
import { inCurrentShape } from './versions.js';

/** A problem with one input document, located by source and object so a user can find it. */
export interface LoadProblem {
  source: string;
  /** 0-based index of the YAML document within the source. */
  document: number;
  /** `Kind namespace/name` when the document got far enough to have one. */
  object?: string;
  field?: string;
  message: string;
}

export interface LoadResult {
  objects: Array<{ apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }>;
  /** 0-based index of the YAML document of each object (same order as objects). */
  documents: number[];
  problems: LoadProblem[];
  /**
   * Objects of the Gateway API groups of a kind Portico does not read (XBackendTrafficPolicy,
   * BackendLBPolicy...): skipped, and said, as someone applying them expects an effect.
   */
  unsupported: LoadProblem[];
  /** Documents with a kind Portico does not read (Deployments, ...); skipped silently. */
  ignored: number;
}

/** `Kind namespace/name`, as problems name an object. */
export function describeObject(doc: Record<string, unknown>): string | undefined {
  const kind = typeof doc.kind === 'string' ? doc.kind : undefined;
  const meta = doc.metadata as Record<string, unknown> | undefined;
  const name = typeof meta?.name === 'string' ? meta.name : undefined;
  if (!kind) return undefined;
  const ns = typeof meta?.namespace === 'string' ? `${meta.namespace}/` : '';
  return `${kind} ${ns}${name ?? '<unnamed>'}`;
}

/**
 * Parses multi-document YAML (or JSON) into Kubernetes objects. Never throws:
 * syntax errors and malformed objects become problems and the other documents
 * are still returned, so one bad document never hides the good ones.
 * A `List` kind is flattened into its items.
 */
/**
 * A YAML error's message with where it is (line, column) but without the lines of the source
 * that the library quotes after it: those may be a Secret's private key.
 */
function errorWithoutSource(error: { message: string }): string {
  const [first = ''] = error.message.split('\n');
  return first.endsWith(':') ? first.slice(0, -1) : first;
}

/**
 * The library names an alias it cannot resolve ("...before the alias): NAME"): the name is
 * document text, and in a Secret a value written as `*...` would be quoted. The name is left out.
 */
function withoutAliasName(message: string): string {
  const at = message.indexOf('alias):');
  return at === -1 ? message : message.slice(0, at + 'alias)'.length);
}

export function loadManifests(text: string, source: string): LoadResult {
  const result: LoadResult = { objects: [], documents: [], problems: [], unsupported: [], ignored: 0 };
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    // The library would write its warnings (a collection used as a mapping key, for one) to
    // the process's stderr, outside the logs; what matters of them is reported below instead.
    docs = parseAllDocuments(text, { prettyErrors: true, logLevel: 'error' });
  } catch (error) {
    result.problems.push({ source, document: 0, message: `cannot parse: ${errorWithoutSource(error as Error)}` });
    return result;
  }
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      result.problems.push({
        source,
        document: index,
        message: `YAML syntax error: ${doc.errors.map(errorWithoutSource).join('; ')}`,
      });
      return;
    }
    // A document that is no Kubernetes object at all, named where possible, with where it fails.
    const refuse = (object: string | undefined, field: string, message: string): void => {
      result.problems.push({ source, document: index, ...(object ? { object } : {}), field, message });
    };
    const collectionKey = collectionKeyPath(doc);
    if (collectionKey !== undefined) {
      refuse(describeUnloaded(doc), collectionKey, 'a mapping key is itself a mapping or a list: a Kubernetes object has only string keys');
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // The yaml library refuses aliases that expand without bound ("billion laughs").
      result.problems.push({ source, document: index, message: `cannot load: ${withoutAliasName(errorWithoutSource(error as Error))}` });
      return;
    }
    if (value === null || value === undefined) return;
    const loop = cyclePath(value);
    if (loop !== undefined) {
      const object = typeof value === 'object' && !Array.isArray(value) ? describeObject(value as Record<string, unknown>) : undefined;
      refuse(object, loop, 'an alias inside its own anchor: the document never ends, so it is not a Kubernetes object');
      return;
    }
    const items =
      typeof value === 'object' && (value as Record<string, unknown>).kind === 'List'
        ? (((value as Record<string, unknown>).items as unknown[]) ?? [])
        : [value];
    for (const item of items) validateDocument(item, source, index, result);
  });
  return result;
}

/** `Kind namespace/name` read from a document not turned into JS, as describeObject() gives it. */
function describeUnloaded(doc: Document): string | undefined {
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const meta = { name: text(doc.getIn(['metadata', 'name'])), namespace: text(doc.getIn(['metadata', 'namespace'])) };
  return describeObject({ kind: text(doc.get('kind')), metadata: meta });
}

/**
 * Where the document first uses a mapping or a list (or an alias of one) as a mapping key, as
 * `spec.rules[0]`, or undefined. Such a key has no JSON form: the library would turn it into a
 * string no field is named, so the document cannot be what its author meant.
 */
function collectionKeyPath(doc: Document): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Pair(_, pair, ancestors) {
      const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
      if (!isCollection(key)) return undefined;
      const steps: string[] = [];
      const chain = [...ancestors, pair];
      for (let i = 0; i < chain.length; i++) {
        const node = chain[i];
        if (isPair(node) && node !== pair && isScalar(node.key)) steps.push(`${steps.length > 0 ? '.' : ''}${String(node.key.value)}`);
        else if (isSeq(node)) steps.push(`[${node.items.indexOf(chain[i + 1] as never)}]`);
      }
      found = steps.join('') || '(the document)';
      return visit.BREAK;
    },
  });
  return found;
}

/**
 * The path of the first value that contains itself (a YAML alias inside its own anchor, `&a
 * {x: *a}`), or undefined. Such a document has no JSON form; every walk of it would go on
 * forever. Aliases that only share a value between two places are fine.
 */
function cyclePath(root: unknown): string | undefined {
  const open = new Set<object>();
  // Walked to the end without meeting itself: a value shared by aliases is walked once.
  const done = new Set<object>();
  const walk = (value: unknown, path: string): string | undefined => {
    if (typeof value !== 'object' || value === null || done.has(value)) return undefined;
    if (open.has(value)) return path || '(the document)';
    open.add(value);
    const entries: Array<[string, unknown]> = Array.isArray(value)
      ? value.map((item, i): [string, unknown] => [`${path}[${i}]`, item])
      : Object.entries(value).map(([key, item]): [string, unknown] => [path ? `${path}.${key}` : key, item]);
    for (const [childPath, child] of entries) {
      const found = walk(child, childPath);
      if (found !== undefined) return found;
    }
    open.delete(value);
    done.add(value);
    return undefined;
  };
  return walk(root, '');
}

function validateDocument(value: unknown, source: string, index: number, result: LoadResult): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    result.problems.push({ source, document: index, message: 'document is not a Kubernetes object (expected a mapping)' });
    return;
  }
  // Named as written; read in the current shape (an XListenerSet as a ListenerSet, see inCurrentShape).
  const object = describeObject(value as Record<string, unknown>);
  const doc = inCurrentShape(value as Record<string, unknown>);
  if (typeof doc.apiVersion !== 'string' || doc.apiVersion === '') {
    result.problems.push({ source, document: index, object, field: 'apiVersion', message: 'apiVersion is required' });
    return;
  }
  if (typeof doc.kind !== 'string' || doc.kind === '') {
    result.problems.push({ source, document: index, object, field: 'kind', message: 'kind is required' });
    return;
  }
  const meta = doc.metadata as Record<string, unknown> | undefined;
  if (typeof meta !== 'object' || meta === null || typeof meta.name !== 'string' || meta.name === '') {
    result.problems.push({ source, document: index, object, field: 'metadata.name', message: 'metadata.name is required' });
    return;
  }
  const slash = doc.apiVersion.indexOf('/');
  // `v1` is the core group; a group without its version (gateway.networking.k8s.io) is not.
  if (slash === -1 && !/^v\d/.test(doc.apiVersion)) {
    result.problems.push({ source, document: index, object, field: 'apiVersion', message: `${doc.apiVersion} has no version (group/version, e.g. ${GATEWAY_GROUP}/v1)` });
    return;
  }
  const group = slash === -1 ? '' : doc.apiVersion.slice(0, slash);
  const kind = doc.kind as string;
  // A Gateway API kind under a group that is a typo of Gateway API's (or the core group): meant
  // as Gateway API, and skipping it would take it out of service without a word.
  if (isKnownKind(kind) && apiGroupsOf(kind).includes(GATEWAY_GROUP) && !apiGroupsOf(kind).includes(group) && (group === '' || looksLikeTypoOf(group, GATEWAY_GROUP, 3))) {
    result.problems.push({ source, document: index, object, field: 'apiVersion', message: `${doc.apiVersion}: ${kind} is a ${GATEWAY_GROUP} kind` });
    return;
  }
  if (!isKnownKind(kind) || !apiGroupsOf(kind).includes(group)) {
    // A Gateway API kind misspelt (HTTPRoutes, HttpRoute) would take the object out of service
    // without a word. Kinds of the group Portico does not read (BackendLBPolicy, kinds of later
    // releases) are skipped like any other object that is not Portico's.
    if (group === GATEWAY_GROUP) {
      const meant = KNOWN_KINDS.find((known) => apiGroupsOf(known).includes(GATEWAY_GROUP) && looksLikeTypoOf(kind, known));
      if (meant) {
        result.problems.push({ source, document: index, object, field: 'kind', message: `${kind} is not a ${GATEWAY_GROUP} kind; did you mean ${meant}?` });
        return;
      }
    }
    if (GATEWAY_GROUPS.includes(group)) {
      result.unsupported.push({ source, document: index, object, field: 'kind', message: `${kind} (${doc.apiVersion}) is not supported by Portico; the object has no effect` });
    }
    result.ignored++;
    return;
  }
  // Fill what the API server would fill on create, so file mode and
  // Kubernetes mode feed the translator identical objects.
  if (!CLUSTER_SCOPED.has(kind) && (typeof meta.namespace !== 'string' || meta.namespace === '')) {
    meta.namespace = 'default';
  }
  if (typeof meta.generation !== 'number') meta.generation = 1;
  result.objects.push(doc as LoadResult['objects'][number]);
  result.documents.push(index);
}

const CLUSTER_SCOPED = new Set(['GatewayClass', 'Namespace']);

/**
 * `distance` letters apart at most, case aside: a typo (HTTPRoutes, HttpRoute, Gatway are one from
 * their kind; two would take other kinds of the group for typos: BackendLBPolicy is two from
 * BackendTLSPolicy).
 */
function looksLikeTypoOf(written: string, kind: string, distance = 1): boolean {
  const a = written.toLowerCase();
  const b = kind.toLowerCase();
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > distance) return false;
  // Edit distance, one row at a time.
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return (previous[b.length] as number) <= distance;
}

/** Gateway API's groups: a kind of either that Portico does not read is said to have no effect. */
const GATEWAY_GROUPS: readonly string[] = [GATEWAY_GROUP, GATEWAY_EXPERIMENTAL_GROUP];
