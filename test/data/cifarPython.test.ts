import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeCifar10, describeCifar100, inspectCifar, loadCifar10, loadCifar100 } from '../../src/trainer/data/cifar';
import { readPickle, type NdArray } from '../../src/trainer/data/pickle';
import { batchPickle, pixelRows, writeCifar100Py, writeCifar10Py } from './cifarPickles';
import { caseDirs } from './formats';

const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures', 'pickle');
const fixture = (name: string): string => {
  // The built test runs from .tmp-tests/…; the fixtures stay in the source tree.
  for (const dir of [FIXTURES, path.resolve('test/fixtures/pickle')]) if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  throw new Error(`fixture ${name} not found`);
};

/** Image i's HWC byte for pixel p, channel c, as pixelRows laid it out channel-major. */
const hwc = (seed: number, i: number, p: number, c: number): number => (seed + i + c * 1024 + p) % 256;

describe('pickle reader (CIFAR Python version)', () => {
  const { fresh } = caseDirs('cifar-py');

  it('reads the Python 3 + numpy 2 form (numpy._core, _codecs.encode) from a checked-in fixture', () => {
    const v = readPickle(fs.readFileSync(fixture('py3-numpy2-batch.pkl')), 'fixture');
    assert.ok(v instanceof Map);
    assert.deepEqual(v.get('labels'), [7]);
    assert.equal(v.get('batch_label'), 'testing batch 1 of 1');
    const data = v.get('data') as NdArray;
    assert.deepEqual([data.dtype, data.shape], ['u1', [1, 3072]]);
    assert.deepEqual(Array.from(data.data.subarray(248, 253)), [248, 249, 250, 0, 1]);
  });

  it('reads CIFAR-10 in the Python layout from the parent folder or the folder itself, CHW → HWC', () => {
    const parent = fresh();
    const root = writeCifar10Py(parent, 2, 3);
    for (const dir of [parent, root]) {
      const ds = loadCifar10(dir);
      assert.deepEqual([ds.train.count, ds.test.count, ds.numClasses], [10, 3, 10]);
      assert.deepEqual(Array.from(ds.train.labels), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.deepEqual(Array.from(ds.test.labels), [3, 4, 5]);
      // Batch 2's second image (train index 3), pixel 5, blue; batch seed 20, image 1 in its batch.
      assert.equal(ds.train.images[3 * 3072 + 5 * 3 + 2], hwc(20, 1, 5, 2));
      assert.equal(ds.test.images[2 * 3072 + 1023 * 3], hwc(99, 2, 1023, 0));
      assert.equal(ds.classNames?.[9], 'truck');
    }
    assert.match(describeCifar10(parent), /^CIFAR-10 \(Python version\): 10 training and 3 test images/);
    assert.deepEqual(inspectCifar(parent, 'cifar10'), { layout: 'python', dir: root, train: 10, test: 3 });
  });

  it('reads CIFAR-100 in the Python layout with its fine labels', () => {
    const parent = fresh();
    writeCifar100Py(parent, 4, 2);
    const ds = loadCifar100(parent);
    assert.deepEqual(Array.from(ds.train.labels), [0, 7, 14, 21]);
    assert.equal(ds.test.count, 2);
    assert.equal(ds.train.images[3 * 3072 + 1], hwc(5, 3, 0, 1));
    assert.match(describeCifar100(parent), /100 classes/);
  });

  it('refuses a pickle that calls os.system, naming the file and the global', () => {
    const file = fixture('os-system.pkl');
    assert.throws(() => readPickle(fs.readFileSync(file), file), (e: Error) =>
      e.message.startsWith(`${file}: GLOBAL posix.system is not allowed`) && !e.message.includes('\n'));
  });

  it('refuses unknown and unsupported opcodes and newer protocols, naming the opcode and byte', () => {
    assert.throws(() => readPickle(Buffer.from([0x80, 2, 0xfe]), 'f.pkl'), /^Error: f\.pkl: unknown opcode 0xfe \(byte 2\)/);
    assert.throws(() => readPickle(Buffer.from([0x80, 2, 0x81]), 'f.pkl'), /f\.pkl: opcode NEWOBJ is not supported \(byte 2\)/);
    assert.throws(() => readPickle(Buffer.from([0x80, 4, 0x95]), 'f.pkl'), /f\.pkl: pickle protocol 4/);
    // REDUCE may only call an allowlisted stand-in, never a value the file built.
    assert.throws(() => readPickle(Buffer.from([0x80, 2, 0x4e, 0x29, 0x52, 0x2e]), 'f.pkl'), /REDUCE of something that is not an allowed function/);
  });

  it('refuses truncated, empty and malformed batch files in one line naming the file', () => {
    const dir = writeCifar10Py(fresh(), 1, 1);
    const batch = path.join(dir, 'data_batch_3');
    const whole = fs.readFileSync(batch);
    const cases: [Buffer, RegExp][] = [
      [whole.subarray(0, whole.length - 1), /file ends before the STOP opcode — it is truncated/],
      [whole.subarray(0, 400), /truncated/],
      [Buffer.alloc(0), /file is empty/],
      [Buffer.from('not a pickle at all'), /opcode/],
      [batchPickle('labels', [10], 0), /label 10 of image 0 is outside 0\.\.9/],
      [batchPickle('fine_labels', [1], 0), /'labels' is missing/],
    ];
    for (const [bytes, re] of cases) {
      fs.writeFileSync(batch, bytes);
      assert.throws(() => loadCifar10(dir), (e: Error) => e.message.startsWith(batch) && re.test(e.message) && !e.message.includes('\n'), re.source);
    }
    fs.rmSync(batch);
    assert.throws(() => loadCifar10(dir), /missing dataset files[\s\S]*data_batch_3/);
  });

  it('a data array whose byte count disagrees with its shape is refused', () => {
    const good = batchPickle('labels', [1, 2], 0);
    // Patch the shape's row count (BININT1 2 right after MARK BININT1 1) to 3: the 6144 bytes no longer fit.
    const at = good.indexOf(Buffer.from([0x28, 0x4b, 1, 0x4b, 2]));
    const bad = Buffer.from(good);
    bad[at + 4] = 3;
    assert.throws(() => readPickle(bad, 'b.pkl'), /shape \(3, 3072\) and dtype u1 needs 9216 bytes, found 6144/);
    assert.equal(pixelRows(1, 0).length, 3072);
  });
});
