// A build that throws is a bug of ours that some input sets off. Until that input changes, every
// build would throw the same way, and no other edit would reach the proxies. So when a build
// throws, the control plane looks for the objects without which it succeeds, leaves them out
// (reporting each one), and serves the rest.
import { isKnownKind, type KindName } from '@portico/api';

/**
 * Which objects are blamed first when several together set a failure off: the one with the
 * highest rank. Data a listener or a backend only refers to (Secrets, EndpointSlices) ranks
 * highest, then routes and policies, so that a Gateway, which every route behind it needs, is
 * blamed last. A rank per kind the ResourceSet knows: a kind added there must be ranked here.
 */
const BLAME_RANK: Readonly<Record<KindName, number>> = {
  GatewayClass: 0,
  Gateway: 1,
  ListenerSet: 2,
  Namespace: 3,
  Service: 4,
  ReferenceGrant: 5,
  HTTPRoute: 6,
  GRPCRoute: 7,
  TLSRoute: 8,
  TCPRoute: 9,
  UDPRoute: 10,
  BackendTLSPolicy: 11,
  GatewayParameters: 12,
  ConfigMap: 13,
  Secret: 14,
  EndpointSlice: 15,
};

function blameRank(kind: string): number {
  return isKnownKind(kind) ? BLAME_RANK[kind] : Number.MAX_SAFE_INTEGER;
}

export interface IsolationLimits {
  /** Give up (and leave nothing out) when more than this many objects would have to go. */
  maxLeftOut: number;
  /** Give up when this performance.now() time has passed. */
  deadline: number;
}

/**
 * The objects to leave out so that `fails` is false for the rest, or undefined when there are
 * none to find within the limits, or when the build fails with no object at all (then no input
 * sets it off). Each object left out is the last one, in blame order, of the shortest prefix that
 * still fails: found by bisection, so one culprit among n objects costs about log2(n) builds.
 * `fails` may be asynchronous, so that a caller can let its other work run between builds.
 */
export async function isolateFailingObjects<T extends { kind: string }>(
  objects: readonly T[],
  fails: (objects: readonly T[]) => boolean | Promise<boolean>,
  limits: IsolationLimits,
): Promise<T[] | undefined> {
  let kept = objects
    .map((object, index) => ({ object, index }))
    .sort((a, b) => blameRank(a.object.kind) - blameRank(b.object.kind) || a.index - b.index)
    .map(({ object }) => object);
  if (await fails([])) return undefined;
  const leftOut: T[] = [];
  while (await fails(kept)) {
    if (leftOut.length >= limits.maxLeftOut || performance.now() > limits.deadline) return undefined;
    // The empty prefix passes and the whole list fails: narrow down to the first prefix that fails.
    let passing = 0;
    let failing = kept.length;
    while (failing - passing > 1) {
      if (performance.now() > limits.deadline) return undefined;
      const middle = (passing + failing) >> 1;
      if (await fails(kept.slice(0, middle))) failing = middle;
      else passing = middle;
    }
    leftOut.push(kept[failing - 1] as T);
    kept = [...kept.slice(0, failing - 1), ...kept.slice(failing)];
  }
  return leftOut;
}
