/**
 * The imagefolder reader (issue 19): listing, decoding, resizing, the split, unreadable files, the cache and a
 * CLI run, on PNGs and JPEGs the tests write with pngjs and jpeg-js.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { describeImageFolder, loadImageFolder } from '../../src/trainer/data/imageFolder';
import { decodeRgb, resizeRgb } from '../../src/trainer/data/imageDecode';
import { listImageFolder, testCountOf } from '../../src/datasetFiles/imageFolderScan';
import { seededSplit } from '../../src/trainer/data/imageFolderSplit';
import { cacheFile, cacheKey } from '../../src/trainer/data/imageFolderCache';
import { describeDatasetDir, loadDataset } from '../../src/trainer/data/index';
import { checkRunData } from '../../src/trainer/dataPreflight';
import { resolveConfig } from '../../src/shared/runConfig';
import { runCliInProcess } from '../helpers/cliInProcess';
import { caseDirs } from './formats';

type Px = (x: number, y: number) => [number, number, number, number];

/** A PNG of colour type 6 (RGBA) unless `colorType` says otherwise (0 grey, 4 grey+alpha, 2 RGB). */
function png(width: number, height: number, px: Px, colorType: 0 | 2 | 4 | 6 = 6): Buffer {
  const p = new PNG({ width, height, colorType, inputColorType: 6, inputHasAlpha: true });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const v = px(x, y);
    for (let c = 0; c < 4; c++) p.data[(y * width + x) * 4 + c] = v[c];
  }
  return PNG.sync.write(p, { colorType, inputColorType: 6, inputHasAlpha: true });
}

function jpg(width: number, height: number, px: Px, quality = 95): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) px(x, y).forEach((v, c) => { data[(y * width + x) * 4 + c] = v; });
  return jpeg.encode({ width, height, data }, quality).data;
}

const flat = (v: number): Px => () => [v, v, v, 255];

function put(root: string, rel: string, bytes: Buffer | string): string {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, bytes);
  return p;
}

/** A folder with `perClass[k]` (≤ 40) small PNGs in class folder names[k]; image i of class k is flat grey 40k+i. */
function folder(root: string, names: string[], perClass: number[], side = 4): string {
  names.forEach((n, k) => {
    for (let i = 0; i < perClass[k]; i++) put(root, `${n}/${String(i).padStart(3, '0')}.png`, png(side, side, flat(40 * k + i)));
  });
  return root;
}

const { fresh, tmp } = caseDirs('imagefolder');
const cacheDir = (): string => path.join(tmp.dir, `cache-${Math.random().toString(16).slice(2)}`);

describe('imagefolder: decoding and resizing', () => {
  it('area-averages a 4×4 image to 2×2 (each output the mean of its 2×2 block)', () => {
    const v = (x: number, y: number): number => 16 * y + 4 * x + 1;
    const img = decodeRgb(png(4, 4, (x, y) => [v(x, y), 255 - v(x, y), (x + y) % 2 ? 200 : 0, 255]));
    const out = resizeRgb(img, 2, 2);
    for (let oy = 0; oy < 2; oy++) for (let ox = 0; ox < 2; ox++) {
      const block = [[0, 0], [1, 0], [0, 1], [1, 1]].map(([dx, dy]) => v(2 * ox + dx, 2 * oy + dy));
      const mean = block.reduce((a, b) => a + b, 0) / 4;
      const q = (oy * 2 + ox) * 3;
      assert.equal(out[q], Math.round(mean));
      assert.equal(out[q + 1], Math.round(255 - mean));
      assert.equal(out[q + 2], 100, 'checker of 0 and 200 averages to 100');
    }
  });

  it('resizes 3→2 with fractional coverage and 2→4 bilinearly', () => {
    // 3 columns 0, 90, 180 → 2 columns covering [0,1.5) and [1.5,3): (0 + 0.5·90)/1.5 = 30 and (0.5·90 + 180)/1.5 = 150.
    const img = { width: 3, height: 1, rgb: Uint8Array.from([0, 0, 0, 90, 90, 90, 180, 180, 180]) };
    assert.deepEqual(Array.from(resizeRgb(img, 2, 1)), [30, 30, 30, 150, 150, 150]);
    // 2 → 4, half-pixel centres: sources at -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped to the last) → 0, 25, 75, 100.
    const two = { width: 2, height: 1, rgb: Uint8Array.from([0, 0, 0, 100, 100, 100]) };
    assert.deepEqual(Array.from(resizeRgb(two, 4, 1)).filter((_, i) => i % 3 === 0), [0, 25, 75, 100]);
  });

  it('grey PNGs fill three channels; alpha is dropped, not composited (as PIL convert("RGB"))', () => {
    const grey = decodeRgb(png(2, 1, (x) => [x ? 200 : 7, x ? 200 : 7, x ? 200 : 7, 255], 0));
    assert.deepEqual(Array.from(grey.rgb), [7, 7, 7, 200, 200, 200]);
    const rgba = decodeRgb(png(1, 1, () => [10, 20, 30, 0]));
    assert.deepEqual(Array.from(rgba.rgb), [10, 20, 30]);
    const greyAlpha = decodeRgb(png(1, 1, () => [50, 50, 50, 128], 4));
    assert.deepEqual(Array.from(greyAlpha.rgb), [50, 50, 50]);
  });

  it('decodes a JPEG close to what was encoded, whatever the extension says', () => {
    const img = decodeRgb(jpg(8, 8, () => [200, 100, 50, 255]));
    assert.equal(img.width, 8);
    for (let i = 0; i < 8 * 8; i++) {
      assert.ok(Math.abs(img.rgb[i * 3] - 200) <= 3 && Math.abs(img.rgb[i * 3 + 1] - 100) <= 3 && Math.abs(img.rgb[i * 3 + 2] - 50) <= 3);
    }
  });

  it('refuses empty, foreign, truncated and huge files with a reason', () => {
    assert.throws(() => decodeRgb(new Uint8Array(0)), /empty file/);
    assert.throws(() => decodeRgb(Buffer.from('hello world')), /not a PNG or JPEG/);
    const p = png(16, 16, flat(3));
    assert.throws(() => decodeRgb(p.subarray(0, p.length - 20)));
    const j = jpg(64, 64, (x, y) => [x * 4, y * 4, 0, 255]);
    assert.throws(() => decodeRgb(j.subarray(0, Math.floor(j.length / 2))), /truncated JPEG/);
    // A PNG header claiming 20000×20000 (400 MP) is refused before any allocation.
    const huge = Buffer.from(p);
    huge.writeUInt32BE(20000, 16);
    huge.writeUInt32BE(20000, 20);
    assert.throws(() => decodeRgb(huge), /400 MP, more than the 100 MP/);
  });
});

describe('imagefolder: listing and split', () => {
  it('classes are the sub-folders in code-point order, files found recursively and sorted', () => {
    const root = fresh();
    for (const rel of ['b/2.png', 'b/10.png', 'B/x.JPG', 'a/deep/z.jpeg', 'a/1.png', 'a/notes.txt', '.hidden/1.png', 'a/.DS_Store']) {
      put(root, rel, rel.endsWith('.txt') || rel.endsWith('Store') ? 'x' : png(2, 2, flat(1)));
    }
    const l = listImageFolder(root);
    assert.deepEqual(l.classNames, ['B', 'a', 'b']);
    assert.deepEqual(l.files.map((f) => [f.rel, f.label]), [['B/x.JPG', 0], ['a/1.png', 1], ['a/deep/z.jpeg', 1], ['b/10.png', 2], ['b/2.png', 2]]);
    assert.deepEqual([...l.ignored.entries()], [['.txt', 1]]);
  });

  it('the seeded split: 10 % per class (≥ 1 from 2 images), disjoint, deterministic, seed-dependent', () => {
    assert.deepEqual([1, 2, 9, 10, 14, 15, 100].map(testCountOf), [0, 1, 1, 1, 1, 2, 10]);
    const root = folder(fresh(), ['c0', 'c1', 'c2'], [30, 1, 12]);
    const l = listImageFolder(root);
    const a = seededSplit(l.files, 3, 7);
    assert.deepEqual(seededSplit(l.files, 3, 7), a);
    assert.equal(a.test.length, 3 + 0 + 1);
    assert.equal(new Set([...a.train, ...a.test]).size, l.files.length);
    assert.notDeepEqual(seededSplit(l.files, 3, 8).test, a.test);
    const ds = loadImageFolder({ dataDir: root, imageSize: 4, seed: 7, cacheDir: null });
    assert.equal(ds.train.count, 39);
    assert.equal(ds.test.count, 4);
    // Flat images carry their identity in the pixel: 40k + i. Train and test share none.
    const ids = (s: typeof ds.train): number[] => Array.from({ length: s.count }, (_, j) => s.images[j * 48]);
    const trainIds = new Set(ids(ds.train));
    for (const id of ids(ds.test)) assert.ok(!trainIds.has(id), `image ${id} in both splits`);
    assert.deepEqual(ids(ds.test).sort((x, y) => x - y), a.test.map((i) => l.files[i]).map((f) => 40 * f.label + Number(path.basename(f.rel, '.png'))).sort((x, y) => x - y));
  });

  it('orders images round-robin over the classes, so --subset takes from each', () => {
    const root = folder(fresh(), ['a', 'b', 'c'], [3, 3, 1]);
    const ds = loadDataset({ dataset: 'imagefolder', dataDir: root, imageSize: 4, testDir: undefined, subset: 3, cacheDir: null });
    assert.deepEqual(Array.from(ds.train.labels), [0, 1, 2]);
    assert.equal(ds.numClasses, 3);
    assert.deepEqual(ds.classNames, ['a', 'b', 'c']);
    assert.equal(ds.channels, 3);
    assert.equal(ds.height, 4);
  });

  it('with --subset and no cache entry decodes only what is used, giving the same images as a full load', () => {
    const root = folder(fresh(), ['a', 'b', 'c'], [12, 9, 5]);
    put(root, 'a/000-bad.png', 'x');
    put(root, 'b/001-bad.jpg', '');
    const full = loadDataset({ dataset: 'imagefolder', dataDir: root, imageSize: 4, seed: 2, cacheDir: null });
    const dir = cacheDir();
    const part = loadDataset({ dataset: 'imagefolder', dataDir: root, imageSize: 4, seed: 2, cacheDir: dir, subset: 7, testSubset: 2 });
    assert.equal(part.train.count, 7);
    assert.equal(part.test.count, 2);
    assert.deepEqual(part.train.images, full.train.images.subarray(0, 7 * 48));
    assert.deepEqual(part.train.labels, full.train.labels.subarray(0, 7));
    assert.deepEqual(part.test.images, full.test.images.subarray(0, 2 * 48));
    assert.ok(part.warnings?.some((w) => /decoded only the 9 images --subset\/--test-subset use .*not cached/.test(w)), part.warnings?.join('\n'));
    assert.ok(!fs.existsSync(dir), 'a partial decode writes no cache entry');
  });

  it('reads --test-dir as the test split and refuses one whose classes differ', () => {
    const train = folder(fresh(), ['cat', 'dog'], [3, 2]);
    const test = folder(fresh(), ['cat', 'dog'], [1, 2]);
    const ds = loadImageFolder({ dataDir: train, testDir: test, imageSize: 8, cacheDir: null });
    assert.equal(ds.train.count, 5);
    assert.equal(ds.test.count, 3);
    assert.equal(ds.train.images.length, 5 * 8 * 8 * 3);
    const odd = folder(fresh(), ['cat', 'cow'], [1, 1]);
    assert.throws(() => loadImageFolder({ dataDir: train, testDir: odd, cacheDir: null }),
      /--test-dir .* lacks class "dog" and has class "cow" that .* lacks: the test folder needs the same class sub-folders/);
    assert.match(describeImageFolder({ dataDir: train, testDir: test }), /ImageFolder: 5 training and 3 test images of 2 classes \(cat, dog\)/);
  });

  it('says what is wrong with an empty folder, a folder without classes, an empty class, nothing readable', () => {
    const empty = fresh();
    assert.throws(() => loadImageFolder({ dataDir: empty, cacheDir: null }), /--data-dir .* has no class sub-folders: .* one sub-folder per class/);
    const flatFiles = fresh();
    put(flatFiles, '1.png', png(2, 2, flat(1)));
    assert.throws(() => loadImageFolder({ dataDir: flatFiles, cacheDir: null }), /has no class sub-folders/);
    const noImages = fresh();
    put(noImages, 'a/readme.txt', 'x');
    assert.throws(() => loadImageFolder({ dataDir: noImages, cacheDir: null }), /has no \.png\/\.jpg\/\.jpeg files in its 1 class folder/);
    const emptyClass = folder(fresh(), ['a'], [2]);
    fs.mkdirSync(path.join(emptyClass, 'b'));
    assert.throws(() => loadImageFolder({ dataDir: emptyClass, cacheDir: null }), /class folder "b" in .* holds no \.png/);
    const broken = fresh();
    put(broken, 'a/1.png', 'not a png');
    put(broken, 'b/1.jpg', '');
    assert.throws(() => loadImageFolder({ dataDir: broken, cacheDir: null }), /none of the 2 image files in .* could be read \(a\/1\.png: not a PNG or JPEG.*b\/1\.jpg: empty file\)/);
    const brokenClass = folder(fresh(), ['a'], [2]);
    put(brokenClass, 'b/1.png', Buffer.alloc(10));
    assert.throws(() => loadImageFolder({ dataDir: brokenClass, cacheDir: null }), /class folder "b" in .* holds no readable image/);
  });

  it('skips corrupt, truncated and zero-byte files, counts and lists them, and reads the rest', () => {
    const root = folder(fresh(), ['a', 'b'], [4, 4]);
    const good = png(16, 16, flat(9));
    put(root, 'a/zz-cut.png', good.subarray(0, 40));
    put(root, 'b/zz-zero.jpg', '');
    const j = jpg(32, 32, (x) => [x * 8, 0, 0, 255]);
    put(root, 'b/zz-half.jpeg', j.subarray(0, j.length >> 1));
    put(root, 'b/zz-text.png', 'hello');
    put(root, 'b/notes.md', 'x');
    const ds = loadImageFolder({ dataDir: root, imageSize: 4, cacheDir: null });
    assert.equal(ds.train.count + ds.test.count, 8);
    const w = ds.warnings ?? [];
    assert.ok(w.some((s) => /skipped 4 unreadable files in .* \(a\/zz-cut\.png: .*b\/zz-half\.jpeg: truncated JPEG.*b\/zz-text\.png: not a PNG or JPEG.*b\/zz-zero\.jpg: empty file\)/.test(s)), w.join('\n'));
    assert.ok(w.some((s) => /ignored 1 file in .* that is not \.png\/\.jpg\/\.jpeg \(\.md ×1\)/.test(s)), w.join('\n'));
  });
});

describe('imagefolder: cache', () => {
  it('a second load reads the cache and gives identical bytes; a corrupted or cut cache is rebuilt', () => {
    const root = fresh();
    for (let i = 0; i < 12; i++) put(root, `c${i % 3}/${i}.jpg`, jpg(20, 12, (x, y) => [x * 12, y * 20, i * 20, 255]));
    put(root, 'c0/bad.png', 'nope');
    const dir = cacheDir();
    const first = loadImageFolder({ dataDir: root, imageSize: 6, seed: 3, cacheDir: dir });
    assert.ok(first.warnings?.some((w) => /decoded 13 images .* cached in /.test(w)), first.warnings?.join('\n'));
    const l = listImageFolder(root);
    const file = cacheFile(dir, cacheKey(l.files, 6));
    assert.ok(fs.existsSync(file));
    assert.deepEqual(fs.readdirSync(dir), [path.basename(file)], 'no temporary left behind');
    const second = loadImageFolder({ dataDir: root, imageSize: 6, seed: 3, cacheDir: dir });
    assert.ok(second.warnings?.some((w) => /read 13 decoded images .* from the cache/.test(w)), second.warnings?.join('\n'));
    assert.ok(second.warnings?.some((w) => /skipped 1 unreadable file .*c0\/bad\.png/.test(w)), 'the skipped list survives the cache');
    assert.deepEqual(second.train.images, first.train.images);
    assert.deepEqual(second.test.images, first.test.images);
    assert.deepEqual(second.train.labels, first.train.labels);
    // Another seed splits the same cached images differently.
    const other = loadImageFolder({ dataDir: root, imageSize: 6, seed: 4, cacheDir: dir });
    assert.ok(other.warnings?.some((w) => /from the cache/.test(w)));

    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 100] ^= 0x40;
    fs.writeFileSync(file, bytes);
    const flipped = loadImageFolder({ dataDir: root, imageSize: 6, seed: 3, cacheDir: dir });
    assert.ok(flipped.warnings?.some((w) => /decoded 13 images/.test(w)), 'a flipped bit is not trusted');
    assert.deepEqual(flipped.train.images, first.train.images);
    fs.truncateSync(file, 50);
    const cut = loadImageFolder({ dataDir: root, imageSize: 6, seed: 3, cacheDir: dir });
    assert.ok(cut.warnings?.some((w) => /decoded 13 images/.test(w)), 'a cut file is not trusted');
    assert.deepEqual(cut.test.images, first.test.images);
    assert.ok(fs.statSync(file).size > 50, 'rewritten');

    // A changed file changes the key; another size is another entry.
    const changed = path.join(root, 'c1/1.jpg');
    fs.utimesSync(changed, new Date(), new Date(Date.now() - 86_400_000));
    assert.notEqual(cacheKey(listImageFolder(root).files, 6), cacheKey(l.files, 6));
    assert.notEqual(cacheKey(l.files, 8), cacheKey(l.files, 6));
  });

  it('an unwritable cache folder is a note, not a failure', () => {
    const root = folder(fresh(), ['a', 'b'], [2, 2]);
    const blocker = path.join(tmp.dir, 'blocker-file');
    fs.writeFileSync(blocker, 'x');
    const ds = loadImageFolder({ dataDir: root, imageSize: 4, cacheDir: path.join(blocker, 'sub') });
    assert.equal(ds.train.count + ds.test.count, 4);
    assert.ok(ds.warnings?.some((w) => /could not cache them/.test(w)), ds.warnings?.join('\n'));
  });
});

describe('imagefolder: preflight and the CLI', () => {
  it('describeDatasetDir counts the split without decoding, and the preflight parses it', () => {
    const root = folder(fresh(), ['a', 'b'], [20, 5]);
    const r = describeDatasetDir({ dataset: 'imagefolder', dataDir: root, seed: 1 });
    assert.ok(r.ok, r.ok ? '' : r.problem);
    assert.match(r.summary, /ImageFolder: 22 training and 3 test images of 2 classes \(a, b\) in .*seeded 10 % per-class test split/);
    const config = resolveConfig({ dataset: 'imagefolder', dataDir: root, batchSize: 8, subset: 23, encoder: 'mlp' });
    assert.throws(() => checkRunData(config), /--subset 23 is more than the 22 training images of imagefolder/);
    assert.throws(() => checkRunData({ ...config, subset: 0, testDir: path.join(root, 'nope') }), /test folder .*nope does not exist: pass --test-dir DIR/);
    const noDir = describeDatasetDir({ dataset: 'imagefolder' });
    assert.ok(!noDir.ok && /--data-dir DIR .*one sub-folder per class/.test(noDir.problem));
    const empty = describeDatasetDir('imagefolder', fresh());
    assert.ok(!empty.ok && /has no class sub-folders/.test(empty.problem));
  });

  it('dcl-explorer train --dataset imagefolder runs end to end and logs the skipped file', async () => {
    const root = fresh();
    for (let i = 0; i < 24; i++) {
      const k = i % 3;
      const px: Px = (x, y) => [k === 0 ? 200 : x * 10, k === 1 ? 200 : y * 10, k === 2 ? 200 : (x + y) * 5, 255];
      put(root, `class${k}/${i}.${i % 2 ? 'png' : 'jpg'}`, i % 2 ? png(20, 20, px) : jpg(20, 20, px));
    }
    put(root, 'class0/broken.jpg', 'garbage');
    const runs = path.join(tmp.dir, 'runs');
    const saved = process.env.DCL_DATA_CACHE;
    process.env.DCL_DATA_CACHE = cacheDir();
    let r: Awaited<ReturnType<typeof runCliInProcess>>;
    try {
      r = await runCliInProcess(['train', '--dataset', 'imagefolder', '--data-dir', root, '--image-size', '16', '--encoder', 'mlp',
        '--epochs', '1', '--batch-size', '8', '--backend', 'cpu', '--runs-dir', runs, '--quiet']);
    } finally {
      if (saved === undefined) delete process.env.DCL_DATA_CACHE;
      else process.env.DCL_DATA_CACHE = saved;
    }
    assert.equal(r.code, 0, r.stderr);
    const [run] = fs.readdirSync(runs);
    const status = JSON.parse(fs.readFileSync(path.join(runs, run, 'status.json'), 'utf8')) as { state: string };
    assert.equal(status.state, 'finished');
    const log = fs.readFileSync(path.join(runs, run, 'log.txt'), 'utf8');
    assert.match(log, /skipped 1 unreadable file in .*class0\/broken\.jpg: not a PNG or JPEG/);
    assert.match(log, /dataset imagefolder: (21 train \/ 3|22 train \/ 2) test images of 16×16×3/);
  });
});
