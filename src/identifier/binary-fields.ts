// The Handle protocol's primitive fields (hdllib Encoder.java): big-endian int2/int4 and length-prefixed byte arrays, read with bounds.

import { IdnodeError } from '../errors.js';

/** Encoder.java's MAX_ARRAY_SIZE (Common.java): no length-prefixed array or count is longer. */
export const MAX_ARRAY_ITEMS = 1_048_576;

function malformed(field: string, message: string): IdnodeError {
  return new IdnodeError('MALFORMED_MESSAGE', `${field} ${message}`);
}

/**
 * Reads fields from `bytes[start, end)`. Every read checks that the bytes are there, and every length or count is
 * checked against what is left before anything is allocated for it, so a hostile length costs nothing. Throws
 * MALFORMED_MESSAGE naming the field.
 */
export class ByteReader {
  offset: number;

  constructor(
    readonly bytes: Buffer,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.offset = start;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private take(size: number, field: string): number {
    if (size > this.end - this.offset) throw malformed(field, 'runs past the end of the message');
    const at = this.offset;
    this.offset += size;
    return at;
  }

  u8(field: string): number {
    return this.bytes[this.take(1, field)] ?? 0;
  }

  /** A signed 2-octet integer (Encoder.readInt2 sign-extends its first octet). */
  int16(field: string): number {
    return this.bytes.readInt16BE(this.take(2, field));
  }

  /** A signed 4-octet integer. */
  int32(field: string): number {
    return this.bytes.readInt32BE(this.take(4, field));
  }

  /** An int4 count of items each at least `minItemBytes` long: 0 ≤ n ≤ max, and the items can fit in what is left. */
  count(field: string, max: number, minItemBytes: number): number {
    const n = this.int32(field);
    if (n < 0 || n > max) throw malformed(field, `must be from 0 to ${max} (got ${n})`);
    if (n * minItemBytes > this.remaining) throw malformed(field, `says ${n} items, more than the message holds`);
    return n;
  }

  /** A length-prefixed byte array (a view, not a copy), at most `max` bytes. */
  bytesField(field: string, max = MAX_ARRAY_ITEMS): Buffer {
    const length = this.int32(`${field} length`);
    if (length < 0 || length > max) throw malformed(field, `length must be from 0 to ${max} (got ${length})`);
    const at = this.take(length, field);
    return this.bytes.subarray(at, at + length);
  }

  /** `size` raw bytes (a view). */
  raw(size: number, field: string): Buffer {
    const at = this.take(size, field);
    return this.bytes.subarray(at, at + size);
  }
}

/** Appends fields to a buffer that grows as needed; `done()` returns exactly what was written. */
export class ByteWriter {
  private buf: Buffer;
  offset = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Reserves `size` bytes and returns where they start (read `this.buf` only after: it may be replaced). */
  private room(size: number): number {
    if (this.offset + size > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.offset + size));
      this.buf.copy(next, 0, 0, this.offset);
      this.buf = next;
    }
    const at = this.offset;
    this.offset += size;
    return at;
  }

  u8(value: number): this {
    const at = this.room(1);
    this.buf[at] = value & 0xff;
    return this;
  }

  /** The low 16 bits of `value` (Encoder.writeInt2). */
  int16(value: number): this {
    const at = this.room(2);
    this.buf.writeUInt16BE(value & 0xffff, at);
    return this;
  }

  /** The low 32 bits of `value` (Encoder.writeInt). */
  int32(value: number): this {
    const at = this.room(4);
    this.buf.writeUInt32BE(value >>> 0, at);
    return this;
  }

  raw(bytes: Uint8Array): this {
    const at = this.room(bytes.length);
    this.buf.set(bytes, at);
    return this;
  }

  /** A 4-octet length, then the bytes (Encoder.writeByteArray). */
  bytesField(bytes: Uint8Array): this {
    return this.int32(bytes.length).raw(bytes);
  }

  /** UTF-8 text as a length-prefixed byte array. */
  text(text: string): this {
    const length = Buffer.byteLength(text);
    this.int32(length);
    const at = this.room(length);
    this.buf.write(text, at, length, 'utf8');
    return this;
  }

  /** Overwrites an int4 already written at `at` (a length known only afterwards). */
  patchInt32(at: number, value: number): void {
    this.buf.writeUInt32BE(value >>> 0, at);
  }

  done(): Buffer {
    return this.buf.subarray(0, this.offset);
  }
}
