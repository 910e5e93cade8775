// Sub-messages of some types that an earlier encode already wrote and PGV accepted. Rules
// and encoding are per message, so such a message object (never mutated afterwards) needs
// neither again: the encoder writes its bytes as they are and the validator skips it.

export interface KnownMessages {
  /** Full message names without the leading dot, e.g. `envoy.config.route.v3.Route`. */
  readonly typeNames: readonly string[];
  /** Message JSON object → its encoding (fields only: no tag, no length). */
  readonly bytes: WeakMap<object, Uint8Array>;
}

/** A message of a known type that was encoded in full (not spliced), with its bytes. */
export interface CapturedMessage {
  message: object;
  bytes: Uint8Array;
}
