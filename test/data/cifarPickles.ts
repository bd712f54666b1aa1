/**
 * Writes CIFAR batches in torchvision's Python layout, opcode for opcode as Python 2's cPickle wrote the
 * official cifar-10-python.tar.gz / cifar-100-python.tar.gz (protocol 2, str as SHORT_BINSTRING/BINSTRING,
 * numpy.core.multiarray._reconstruct + BUILD for the uint8 data array), so the tests need no Python.
 * test/fixtures/pickle/py3-numpy2-batch.pkl covers the form Python 3 + numpy 2 write.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A tiny pickle writer: concatenated opcodes with a running memo counter, as cPickle emits them. */
export class Py2Pickler {
  private parts: Buffer[] = [Buffer.from([0x80, 2])];
  private memo = 0;

  op(...bytes: number[]): this {
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  put(): this {
    return this.op(0x71, this.memo++ & 0xff);
  }
  str(s: string | Buffer): this {
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    if (b.length < 256) this.op(0x55, b.length);
    else {
      const n = Buffer.alloc(5);
      n[0] = 0x54;
      n.writeInt32LE(b.length, 1);
      this.parts.push(n);
    }
    this.parts.push(b);
    return this.put();
  }
  int(v: number): this {
    if (v >= 0 && v < 256) return this.op(0x4b, v);
    if (v >= 0 && v < 65536) return this.op(0x4d, v & 0xff, v >> 8);
    const b = Buffer.alloc(5);
    b[0] = 0x4a;
    b.writeInt32LE(v, 1);
    this.parts.push(b);
    return this;
  }
  global(module: string, name: string): this {
    this.parts.push(Buffer.from(`c${module}\n${name}\n`, 'latin1'));
    return this.put();
  }
  /** numpy's ndarray.__reduce__ for a C-order uint8 array of `shape`. */
  uint8Array(shape: number[], data: Buffer): this {
    this.global('numpy.core.multiarray', '_reconstruct').global('numpy', 'ndarray').int(0).op(0x85).str('b').op(0x87, 0x52).put();
    this.op(0x28).int(1);
    for (const d of shape) this.int(d);
    this.op(shape.length === 1 ? 0x85 : shape.length === 2 ? 0x86 : 0x87).put();
    this.global('numpy', 'dtype').str('u1').int(0).int(1).op(0x87, 0x52).put();
    this.op(0x28).int(3).str('|').op(0x4e, 0x4e, 0x4e).int(-1).int(-1).int(0).op(0x74, 0x62);
    return this.op(0x89).str(data).op(0x74, 0x62);
  }
  intList(values: number[]): this {
    this.op(0x5d).put().op(0x28);
    for (const v of values) this.int(v);
    return this.op(0x65);
  }
  bytes(): Buffer {
    return Buffer.concat([...this.parts, Buffer.from('.')]);
  }
}

/** Image i's pixel p (channel-major row) is (seed + i + p) % 256: distinct per image, checkable after the HWC copy. */
export function pixelRows(count: number, seed: number): Buffer {
  const b = Buffer.alloc(count * 3072);
  for (let i = 0; i < count; i++) for (let p = 0; p < 3072; p++) b[i * 3072 + p] = (seed + i + p) % 256;
  return b;
}

/** One batch dict: {'data': uint8 (N, 3072), labelKey: [...], 'batch_label': ..., 'filenames': [...]}. */
export function batchPickle(labelKey: string, labels: number[], seed: number): Buffer {
  const p = new Py2Pickler().op(0x7d).put().op(0x28);
  p.str('data').uint8Array([labels.length, 3072], pixelRows(labels.length, seed));
  p.str(labelKey).intList(labels);
  p.str('batch_label').str('testing batch');
  return p.op(0x75).bytes();
}

function metaPickle(key: string, names: string[]): Buffer {
  const p = new Py2Pickler().op(0x7d).put().op(0x28).str(key).op(0x5d).put().op(0x28);
  for (const n of names) p.str(n);
  return p.op(0x65, 0x75).bytes();
}

/** cifar-10-batches-py/ under `parent` with `perBatch` images in each of the 5 training batches and `test` test images. */
export function writeCifar10Py(parent: string, perBatch: number, test: number): string {
  const dir = path.join(parent, 'cifar-10-batches-py');
  fs.mkdirSync(dir, { recursive: true });
  for (let b = 1; b <= 5; b++) {
    const labels = Array.from({ length: perBatch }, (_, i) => ((b - 1) * perBatch + i) % 10);
    fs.writeFileSync(path.join(dir, `data_batch_${b}`), batchPickle('labels', labels, b * 10));
  }
  fs.writeFileSync(path.join(dir, 'test_batch'), batchPickle('labels', Array.from({ length: test }, (_, i) => (i + 3) % 10), 99));
  fs.writeFileSync(path.join(dir, 'batches.meta'), metaPickle('label_names', ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']));
  return dir;
}

/** cifar-100-python/ under `parent`: train and test with fine labels i*7 % 100. */
export function writeCifar100Py(parent: string, train: number, test: number): string {
  const dir = path.join(parent, 'cifar-100-python');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'train'), batchPickle('fine_labels', Array.from({ length: train }, (_, i) => (i * 7) % 100), 5));
  fs.writeFileSync(path.join(dir, 'test'), batchPickle('fine_labels', Array.from({ length: test }, (_, i) => (i * 3) % 100), 6));
  return dir;
}
