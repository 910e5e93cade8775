// ByteWriter against protobufjs' Writer: the same bytes for every value kind,
// around the varint and length boundaries where in-place lengths must move.
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../src/writer.js';

type Step = (w: ByteWriter, p: protobuf.Writer) => void;

function same(steps: Step[]): void {
  const ours = new ByteWriter(8);
  const theirs = protobuf.Writer.create();
  for (const step of steps) step(ours, theirs);
  expect(Buffer.from(ours.finish()).toString('hex')).toBe(Buffer.from(theirs.finish()).toString('hex'));
}

describe('ByteWriter', () => {
  it('writes varints, zigzag and fixed-width numbers like protobufjs', () => {
    for (const n of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 31 - 1, -1, -(2 ** 31), 2 ** 32 - 1]) {
      same([(w, p) => (w.int32(n | 0), p.int32(n | 0)), (w, p) => (w.uint32(n >>> 0), p.uint32(n >>> 0))]);
      same([(w, p) => (w.sint32(n | 0), p.sint32(n | 0)), (w, p) => (w.fixed32(n >>> 0), p.fixed32(n >>> 0))]);
      same([(w, p) => (w.sfixed32(n | 0), p.sfixed32(n | 0)), (w, p) => (w.float(n), p.float(n)), (w, p) => (w.double(n / 3), p.double(n / 3))]);
    }
    for (const n of ['0', '1', '4294967296', '9007199254740993', '18446744073709551615', '-1', '-9223372036854775808']) {
      const unsigned = n.startsWith('-') ? undefined : n;
      same([(w, p) => (w.int64(n), p.int64(n as unknown as number)), (w, p) => (w.sint64(n), p.sint64(n as unknown as number))]);
      same([(w, p) => (w.sfixed64(n), p.sfixed64(n as unknown as number))]);
      if (unsigned) same([(w, p) => (w.uint64(unsigned), p.uint64(unsigned as unknown as number)), (w, p) => (w.fixed64(unsigned), p.fixed64(unsigned as unknown as number))]);
    }
    for (const n of [5, 2 ** 40, -7, -(2 ** 40)]) same([(w, p) => (w.int64(n), p.int64(n))]);
    same([(w, p) => (w.bool(true), p.bool(true)), (w, p) => (w.bool(false), p.bool(false))]);
  });

  it('writes strings and bytes like protobufjs (ASCII, long, multi-byte, surrogate pairs)', () => {
    const around128 = [126, 127, 128, 129].flatMap((n) => ['q'.repeat(n), 'q'.repeat(n - 1) + 'é', 'é' + 'q'.repeat(n - 1)]);
    for (const s of ['', 'a', 'x'.repeat(64), 'y'.repeat(65), 'z'.repeat(200), 'héllo', '日本語'.repeat(30), 'a😀b', 'abc\u007f', ...around128]) {
      same([(w, p) => (w.string(s), p.string(s))]);
    }
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => i % 256);
    same([(w, p) => (w.bytes(bytes), p.bytes(bytes))]);
  });

  it('nests length-delimited content of every size class, moving content when a length needs more bytes', () => {
    for (const size of [0, 1, 127, 128, 129, 16383, 16384, 70000]) {
      const body = 'q'.repeat(size);
      same([
        (w, p) => (w.uint32(10).fork(), p.uint32(10).fork()),
        (w, p) => (w.uint32(18).fork(), p.uint32(18).fork()),
        (w, p) => (w.string(body), p.string(body)),
        (w, p) => (w.ldelim(), p.ldelim()),
        (w, p) => (w.uint32(8).uint32(size), p.uint32(8).uint32(size)),
        (w, p) => (w.ldelim(), p.ldelim()),
      ]);
    }
  });

  it('is reusable after reset and refuses unbalanced forks', () => {
    const w = new ByteWriter(4);
    w.uint32(8).uint32(1);
    w.reset();
    w.uint32(16).uint32(2);
    expect(Buffer.from(w.finish()).toString('hex')).toBe('1002');
    w.reset();
    w.fork();
    expect(() => w.finish()).toThrow(/open fork/);
    w.reset();
    expect(() => w.ldelim()).toThrow(/without fork/);
  });
});
