// Strict encoding and PGV in one walk, for everything buildXds serves.
import { encodeMessageChecked } from './wire.js';
import type { RepeatedMessages } from './wire.js';
import { validateEncodedMessageJson } from './validate.js';
import type { ValidationError } from './validate.js';
import type { EnvoyMessage } from './types.js';

const NO_ERRORS: readonly ValidationError[] = Object.freeze([]);

/**
 * The wire bytes of a message of the named type and the PGV errors Envoy would refuse it for
 * (none when it would accept it). The encoder applies the rules as it writes; only a message
 * that fails is walked again, by validate.ts, to say where and why. Messages in `repeated` are
 * written once per build (see RepeatedMessages). Throws StrictEncodeError like encodeMessage.
 */
export function encodeAndValidate(
  typeName: string,
  json: EnvoyMessage,
  repeated?: RepeatedMessages,
): { bytes: Uint8Array; errors: readonly ValidationError[] } {
  const { bytes, passed } = encodeMessageChecked(typeName, json, repeated);
  return { bytes, errors: passed ? NO_ERRORS : validateEncodedMessageJson(typeName, json) };
}
