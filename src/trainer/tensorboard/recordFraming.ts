/**
 * TFRecord framing, the container of TensorBoard event files: for each record
 *   uint64 length (LE) · uint32 masked CRC-32C of those 8 bytes · data · uint32 masked CRC-32C of data.
 * The CRC is the crc-32 package's CRC-32C (Castagnoli); the mask is TensorFlow's (crc32c.h), which keeps a
 * CRC of data that itself holds CRCs from looking like one.
 */
import { buf as crc32c } from 'crc-32/crc32c';

const MASK_DELTA = 0xa282ead8;

export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** One whole record, so it can reach the file in a single write. */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

/**
 * Bytes of `file` taken by whole records whose CRCs check, from the start. Anything after it is a torn or
 * damaged tail (a crash mid-write): truncating there leaves a file every reader accepts.
 */
export function intactLength(file: Uint8Array): number {
  const view = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  let pos = 0;
  while (pos + 12 <= view.length) {
    if (view.readUInt32LE(pos + 8) !== maskedCrc32c(view.subarray(pos, pos + 8))) break;
    const length = Number(view.readBigUInt64LE(pos));
    const end = pos + 12 + length + 4;
    if (end > view.length) break;
    if (view.readUInt32LE(end - 4) !== maskedCrc32c(view.subarray(pos + 12, end - 4))) break;
    pos = end;
  }
  return pos;
}
