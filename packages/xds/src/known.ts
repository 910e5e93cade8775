// Sub-messages of some types that an earlier encode already wrote and PGV accepted. Rules
// and encoding are per message, so such a message object (never mutated afterwards) needs
// neither again: the encoder writes its bytes as they are and the validator skips it.

export interface KnownMessages {
  /** Full message names without the leading dot, e.g. `envoy.config.route.v3.Route`. */
  readonly typeNames: readonly string[];
  /** Message JSON object → its encoding (fields only: no tag, no length). */
  readonly bytes: WeakMap<object, Uint8Array>;
}

/**
 * A message of a known type written while encoding: either its bytes (a copy), or where they
 * sit in the output (for a message written at the top level, which nothing moves afterwards;
 * spliced messages are reported this way too, so their bytes can point into the new output and
 * the previous output can be dropped).
 */
export type CapturedMessage = { message: object; bytes: Uint8Array; range?: undefined } | { message: object; range: readonly [number, number]; bytes?: undefined };
