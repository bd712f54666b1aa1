/**
 * An independent reader of TensorBoard event files for tests: its own bitwise CRC-32C (not the crc-32
 * package the writer uses), TensorFlow's record framing and mask, and the published proto field numbers
 * (test/fixtures/tensorboard/event_subset.proto) parsed from text by protobufjs.
 */
import * as fs from 'node:fs';
import * as protobuf from 'protobufjs';
import { fixture } from './paths';

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit. */
export function crc32cReference(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** TensorFlow's masking (tensorflow/core/lib/hash/crc32c.h): rotate right by 15, add 0xa282ead8. */
function mask(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** The records' payloads; throws on any bad CRC or a truncated record. */
export function readRecords(file: Uint8Array): Uint8Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < file.length) {
    if (pos + 12 > file.length) throw new Error(`truncated header at ${pos}`);
    const length = Number(view.getBigUint64(pos, true));
    if (view.getUint32(pos + 8, true) !== mask(crc32cReference(file.subarray(pos, pos + 8)))) throw new Error(`bad length CRC at ${pos}`);
    const end = pos + 12 + length + 4;
    if (end > file.length) throw new Error(`truncated record at ${pos}`);
    const data = file.subarray(pos + 12, pos + 12 + length);
    if (view.getUint32(end - 4, true) !== mask(crc32cReference(data))) throw new Error(`bad data CRC at ${pos}`);
    out.push(data);
    pos = end;
  }
  return out;
}

const root = protobuf.parse(fs.readFileSync(fixture('tensorboard', 'event_subset.proto'), 'utf8'), { keepCase: true }).root;
const Event = root.lookupType('tensorflow.Event');

export interface DecodedValue {
  tag: string;
  simple_value?: number;
  histo?: { min: number; max: number; num: number; sum: number; sum_squares: number; bucket_limit: number[]; bucket: number[] };
}
export interface DecodedEvent {
  wall_time: number;
  step: number;
  file_version?: string;
  summary?: { value: DecodedValue[] };
}

export function readEventFile(file: string): DecodedEvent[] {
  return readRecords(fs.readFileSync(file)).map(
    (r) => Event.toObject(Event.decode(r), { longs: Number, defaults: false, arrays: true }) as DecodedEvent,
  );
}
