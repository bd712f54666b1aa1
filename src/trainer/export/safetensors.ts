/**
 * The safetensors container (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
 * length, a JSON header naming each tensor's dtype, shape and byte range, then the raw little-endian data.
 * Written by hand because it is this short; no npm package writes it without pulling in a framework.
 */

export interface NamedTensor {
  name: string;
  shape: number[];
  /** F32 for weights; I64 for PyTorch's integer buffers (num_batches_tracked). */
  data: Float32Array | BigInt64Array;
}

const DTYPE = (t: NamedTensor['data']): 'F32' | 'I64' => (t instanceof Float32Array ? 'F32' : 'I64');

export function encodeSafetensors(tensors: NamedTensor[], metadata: Record<string, string> = {}): Buffer {
  // Keys sorted, as the reference implementation writes them; the data follows in the same order.
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of sorted) {
    if (t.name in header) throw new Error(`two tensors are both named "${t.name}"`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`${t.name}: shape [${t.shape}] holds ${count} values, data has ${t.data.length}`);
    header[t.name] = { dtype: DTYPE(t.data), shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned (readers may map it in place).
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.length;
  for (const t of sorted) {
    // Typed arrays are in the platform's byte order; every platform Node runs on is little-endian.
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}
