// The translator hands the Gateways that serve the same route rule the same IRRoute objects
// (a route attached to two Gateways, or to two listeners of one). Within one buildXds call each
// is built once, and encoded and checked once (see RepeatedMessages in wire.ts): a route's JSON
// depends only on its IRRoute and ctx.proxyless (see XdsFeature).
import type { IRRoute } from '@portico/ir';
import type { EnvoyMessage } from '../types.js';
import { NameList } from './context.js';
import type { BuildContext } from './context.js';
import type { RepeatedMessages } from '../wire.js';

export interface SharedRoute {
  readonly route: EnvoyMessage;
  /** Names building it added to referencedClusters and referencedSecrets. */
  readonly clusters: readonly string[];
  readonly secrets: readonly string[];
  /** Handed out more than once (and listed in `repeated`). */
  again: boolean;
}

const ROUTE_TYPE = 'envoy.config.route.v3.Route';

export class SharedRoutes {
  private readonly forEnvoy = new Map<IRRoute, SharedRoute>();
  private readonly forProxyless = new Map<IRRoute, SharedRoute>();
  /** Route JSON handed out more than once in this call, for the encoder to write once. */
  readonly repeated: RepeatedMessages = { typeName: ROUTE_TYPE, bytes: new Map() };
  // The context recorderFor was last asked for, and the recorder made for it.
  private recorded: BuildContext | undefined;
  private recorder: BuildContext | undefined;
  private readonly recordedClusters = new NameList();
  private readonly recordedSecrets = new NameList();

  /** The route built before for `ir`, now handed out again. */
  reuse(ir: IRRoute, proxyless: boolean): SharedRoute | undefined {
    const hit = (proxyless ? this.forProxyless : this.forEnvoy).get(ir);
    if (hit && !hit.again) {
      hit.again = true;
      this.repeated.bytes.set(hit.route, undefined);
    }
    return hit;
  }

  /**
   * `ctx` with empty sets of its own for the names a route adds. The virtual hosts of a table
   * are built with one context: the recorder is made once for them.
   */
  recorderFor(ctx: BuildContext): BuildContext {
    if (this.recorded !== ctx || !this.recorder) {
      this.recorded = ctx;
      this.recorder = { ...ctx, referencedClusters: this.recordedClusters, referencedSecrets: this.recordedSecrets };
    }
    this.recordedClusters.clear();
    this.recordedSecrets.clear();
    return this.recorder;
  }

  remember(ir: IRRoute, proxyless: boolean, built: SharedRoute): void {
    (proxyless ? this.forProxyless : this.forEnvoy).set(ir, built);
  }
}
