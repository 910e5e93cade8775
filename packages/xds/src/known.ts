// Messages an earlier build already encoded and PGV accepted: virtual hosts (checked one by one
// as parts of their RouteConfiguration) and routes (checked one by one while repairing one).
// Rules and encoding are per message, so such a message object (never mutated afterwards) needs
// neither again: its bytes are taken as they are.

export interface KnownMessages {
  /** Message JSON object → its encoding (fields only: no tag, no length). */
  readonly bytes: WeakMap<object, Uint8Array>;
}
