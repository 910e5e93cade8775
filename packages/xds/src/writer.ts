// A protobuf wire writer over one growable buffer.
//
// protobufjs' Writer records every write as a queued operation object and a
// fork as a saved state, then replays them in finish(): several allocations per
// field, which made encoding garbage-bound. This writer writes bytes in place.
// A length-delimited field reserves one byte for its length and, when the
// content turns out to be 128 bytes or longer, moves the content right by the
// extra length bytes (copyWithin), so the output is the canonical encoding.

const TWO_32 = 4294967296;

export class ByteWriter {
  private buf: Buffer;
  private pos = 0;
  private readonly starts: number[] = [];
  /** Where the content closed by the last ldelim() starts (after its length). */

  constructor(initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Starts over (the buffer is kept for the next message). */
  reset(): void {
    this.pos = 0;
    // Empty unless a message was abandoned; truncating an array drops its storage, which the
    // next message's first fork() would allocate again.
    if (this.starts.length !== 0) this.starts.length = 0;
  }

  private ensure(extra: number): void {
    const needed = this.pos + extra;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** An unsigned 32-bit varint (tags, lengths, uint32). */
  uint32(value: number): this {
    let v = value >>> 0;
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    while (v > 127) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
    return this;
  }

  /** Negative int32 values take ten bytes, sign-extended to 64 bits, as the protobuf spec says. */
  int32(value: number): this {
    return value < 0 ? this.varint64(value) : this.uint32(value);
  }

  sint32(value: number): this {
    return this.uint32(((value << 1) ^ (value >> 31)) >>> 0);
  }

  bool(value: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = value ? 1 : 0;
    return this;
  }

  fixed32(value: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  sfixed32(value: number): this {
    this.ensure(4);
    this.buf.writeInt32LE(value | 0, this.pos);
    this.pos += 4;
    return this;
  }

  float(value: number): this {
    this.ensure(4);
    this.buf.writeFloatLE(value, this.pos);
    this.pos += 4;
    return this;
  }

  double(value: number): this {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
    return this;
  }

  /** int64 and uint64 from a number or a decimal string (two's complement for negatives). */
  int64(value: number | string): this {
    return this.varint64(value);
  }

  uint64(value: number | string): this {
    return this.varint64(value);
  }

  sint64(value: number | string): this {
    const n = BigInt.asIntN(64, BigInt(value));
    return this.varintBig(BigInt.asUintN(64, (n << 1n) ^ (n >> 63n)));
  }

  fixed64(value: number | string): this {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(value)), this.pos);
    this.pos += 8;
    return this;
  }

  sfixed64(value: number | string): this {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(value)), this.pos);
    this.pos += 8;
    return this;
  }

  private varint64(value: number | string): this {
    if (typeof value === 'number' && value >= 0 && value < TWO_32) return this.uint32(value);
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      let v = value;
      this.ensure(10);
      while (v > 127) {
        this.buf[this.pos++] = (v % 128) | 128;
        v = Math.floor(v / 128);
      }
      this.buf[this.pos++] = v;
      return this;
    }
    return this.varintBig(BigInt.asUintN(64, BigInt(value)));
  }

  private varintBig(value: bigint): this {
    let v = value;
    this.ensure(10);
    while (v > 127n) {
      this.buf[this.pos++] = Number(v & 127n) | 128;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
    return this;
  }

  /** UTF-8 with its length prefix. */
  string(value: string): this {
    const length = value.length;
    if (length < 128) {
      // One pass for the usual short ASCII string: its length is one byte; on the first
      // non-ASCII character, start over on the general path.
      this.ensure(length + 1);
      const buf = this.buf;
      const start = this.pos;
      let pos = start + 1;
      let i = 0;
      for (; i < length; i++) {
        const unit = value.charCodeAt(i);
        if (unit > 127) break;
        buf[pos++] = unit;
      }
      if (i === length) {
        buf[start] = length;
        this.pos = pos;
        return this;
      }
    }
    let ascii = true;
    for (let i = 0; i < length; i++) {
      if (value.charCodeAt(i) > 127) {
        ascii = false;
        break;
      }
    }
    if (!ascii) {
      const byteLength = Buffer.byteLength(value, 'utf8');
      this.uint32(byteLength);
      this.ensure(byteLength);
      this.pos += this.buf.write(value, this.pos, byteLength, 'utf8');
      return this;
    }
    this.uint32(length);
    this.ensure(length);
    if (length > 64) {
      this.pos += this.buf.write(value, this.pos, length, 'latin1');
      return this;
    }
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < length; i++) buf[pos++] = value.charCodeAt(i);
    this.pos = pos;
    return this;
  }

  /** Raw bytes with their length prefix. */
  bytes(value: Uint8Array): this {
    this.uint32(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
    return this;
  }

  /** Where the next byte goes (right after fork(): where the content starts). */
  get position(): number {
    return this.pos;
  }

  /** A copy of what was written from `start` on (content not yet closed by ldelim). */
  copyFrom(start: number): Uint8Array {
    // allocUnsafe takes small sizes from Node's shared pool: no buffer of its own per copy.
    const out = Buffer.allocUnsafe(this.pos - start);
    this.buf.copy(out, 0, start, this.pos);
    return out;
  }

  /** Starts a length-delimited field's content (after its tag). */
  fork(): this {
    this.ensure(1);
    this.starts.push(this.pos);
    this.pos += 1;
    return this;
  }

  /** Ends the content started by the matching fork() and writes its length in front of it. */
  ldelim(): this {
    const start = this.starts.pop();
    if (start === undefined) throw new Error('ldelim without fork');
    const length = this.pos - start - 1;
    if (length < 128) {
      this.buf[start] = length;
      return this;
    }
    let lengthBytes = 1;
    for (let v = length >>> 7; v > 0; v >>>= 7) lengthBytes += 1;
    this.ensure(lengthBytes - 1);
    this.buf.copyWithin(start + lengthBytes, start + 1, this.pos);
    let v = length;
    let at = start;
    while (v > 127) {
      this.buf[at++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[at] = v;
    this.pos += lengthBytes - 1;
    return this;
  }

  /** A copy of what was written, sized exactly (the writer's buffer is reused). */
  finish(): Buffer {
    if (this.starts.length > 0) throw new Error('finish with an open fork');
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }
}
