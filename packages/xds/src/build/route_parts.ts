// A RouteConfiguration as parts: the bytes of every field but virtual_hosts (the header), and
// the bytes of each virtual host. At 10k HTTPRoutes a RouteConfiguration is ~12 MiB, and an edit
// changes one virtual host of it. Kept as parts, an edit encodes that one host; the whole message
// is written only when something asks for it (a SotW stream, a proxy without VHDS, a test), and
// VHDS serves the hosts' bytes as they are.
//
// Canonical protobuf order is by field number: name (1), then every virtual host (2), then the
// rest. So the whole message is header[0, nameEnd) + the hosts, each tagged + header[nameEnd, end),
// byte for byte what encoding the whole JSON writes.

import protobuf from 'protobufjs';

/** Tag of RouteConfiguration.virtual_hosts: field 2, length-delimited. */
const VIRTUAL_HOSTS_TAG = 0x12;
/** Tag of RouteConfiguration.name: field 1, length-delimited. */
const NAME_TAG = 0x0a;

export interface RouteParts {
  /** Encoding of the RouteConfiguration without its virtual hosts. */
  readonly header: Uint8Array;
  /** End of the name field in `header`: the virtual hosts go right after it. */
  readonly nameEnd: number;
  /** Encoding of each VirtualHost (no tag, no length), in the order of the message's virtual_hosts. */
  readonly virtualHosts: readonly Uint8Array[];
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size += 1;
  }
  return size;
}

function writeVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}

/** Where the name field ends in a header (0 when the message has no name). */
export function nameEndOf(header: Uint8Array): number {
  if (header.length === 0 || header[0] !== NAME_TAG) return 0;
  const reader = protobuf.Reader.create(header);
  reader.pos = 1;
  const length = reader.uint32();
  return reader.pos + length;
}

export function partsOf(header: Uint8Array, virtualHosts: readonly Uint8Array[]): RouteParts {
  return { header, nameEnd: nameEndOf(header), virtualHosts };
}

/** The whole RouteConfiguration, as encoding its JSON in one go writes it. */
export function assembleRouteConfiguration(parts: RouteParts): Uint8Array {
  let size = parts.header.length;
  for (const host of parts.virtualHosts) size += 1 + varintSize(host.length) + host.length;
  const out = Buffer.allocUnsafe(size);
  out.set(parts.header.subarray(0, parts.nameEnd), 0);
  let at = parts.nameEnd;
  for (const host of parts.virtualHosts) {
    out[at++] = VIRTUAL_HOSTS_TAG;
    at = writeVarint(out, at, host.length);
    out.set(host, at);
    at += host.length;
  }
  out.set(parts.header.subarray(parts.nameEnd), at);
  return out;
}

/**
 * The parts of an encoded RouteConfiguration: its virtual hosts as views into `bytes`, the other
 * fields copied into the header. Throws on bytes that are not a well-formed message.
 */
export function splitRouteConfiguration(bytes: Uint8Array): RouteParts {
  const virtualHosts: Uint8Array[] = [];
  const headerPieces: Uint8Array[] = [];
  let nameEnd = -1;
  let headerSize = 0;
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    if (tag === VIRTUAL_HOSTS_TAG) {
      const length = reader.uint32();
      const payload = reader.pos;
      if (payload + length > reader.len) throw new RangeError('truncated field');
      reader.pos = payload + length;
      if (nameEnd < 0) nameEnd = headerSize;
      virtualHosts.push(bytes.subarray(payload, reader.pos));
      continue;
    }
    reader.skipType(tag & 7);
    headerPieces.push(bytes.subarray(start, reader.pos));
    headerSize += reader.pos - start;
  }
  const header = Buffer.concat(headerPieces, headerSize);
  return { header, nameEnd: nameEnd < 0 ? nameEndOf(header) : nameEnd, virtualHosts };
}
