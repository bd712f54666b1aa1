/**
 * The file listing of an ImageFolder (torchvision.datasets.ImageFolder's layout): one sub-folder per class, the
 * images anywhere below it. Names and stats only, no decoding, so the preflight check can use it.
 *
 * As torchvision: classes are the immediate sub-folders sorted by code point (Python's sorted), label = index in
 * that list; a class's files are found recursively (symlinks followed, each real folder once) and sorted by their
 * path; .png, .jpg and .jpeg count, in any letter case. Unlike torchvision, names starting with "." (.ipynb_checkpoints,
 * macOS ._ files) are ignored, and other files are counted and reported, not silently dropped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];
/** A folder with more files than this is refused before listing the rest (the listing alone would take minutes). */
export const MAX_FOLDER_FILES = 2_000_000;

export interface ImageFile {
  /** Path relative to the folder, with "/" separators (class folder first). */
  rel: string;
  label: number;
  size: number;
  mtimeMs: number;
}

export interface FolderListing {
  dir: string;
  classNames: string[];
  /** Sorted by class, then by path. */
  files: ImageFile[];
  /** Files with another extension, by extension ("(none)" without one). */
  ignored: Map<string, number>;
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** One line naming the folder and what it should look like. */
function layoutHint(dir: string): string {
  return `${dir} should hold one sub-folder per class with .png/.jpg/.jpeg images in each (DIR/cat/1.png, DIR/dog/2.jpg), as torchvision's ImageFolder reads`;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Lists `dir` as an ImageFolder; throws one line for a layout that has no images at all. */
export function listImageFolder(dir: string, flag = '--data-dir'): FolderListing {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (e) {
    throw new Error(`cannot read ${flag} ${dir}: ${(e as Error).message}`);
  }
  const classNames = entries.filter((n) => !n.startsWith('.') && isDir(path.join(dir, n))).sort(byCodePoint);
  if (classNames.length === 0) {
    throw new Error(`${flag} ${dir} has no class sub-folders: ${layoutHint(dir)}`);
  }
  const files: ImageFile[] = [];
  const ignored = new Map<string, number>();
  let seen = 0;
  const visited = new Set<string>();
  const walk = (abs: string, rel: string, label: number, out: ImageFile[]): void => {
    let real: string;
    try {
      real = fs.realpathSync(abs);
    } catch {
      return;
    }
    if (visited.has(real)) return;
    visited.add(real);
    let names: string[];
    try {
      names = fs.readdirSync(abs);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const p = path.join(abs, name);
      const r = `${rel}/${name}`;
      let st: fs.Stats;
      try {
        st = fs.statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        walk(p, r, label, out);
        continue;
      }
      if (!st.isFile()) continue;
      if (++seen > MAX_FOLDER_FILES) {
        throw new Error(`${flag} ${dir} holds more than ${MAX_FOLDER_FILES.toLocaleString('en-US')} files: point it at a smaller folder (or split the data into several)`);
      }
      const ext = path.extname(name).toLowerCase();
      if (IMAGE_EXTENSIONS.includes(ext)) out.push({ rel: r, label, size: st.size, mtimeMs: st.mtimeMs });
      else ignored.set(ext || '(none)', (ignored.get(ext || '(none)') ?? 0) + 1);
    }
  };
  classNames.forEach((name, label) => {
    const mine: ImageFile[] = [];
    walk(path.join(dir, name), name, label, mine);
    mine.sort((a, b) => byCodePoint(a.rel, b.rel));
    files.push(...mine);
  });
  if (files.length === 0) {
    throw new Error(`${flag} ${dir} has no .png/.jpg/.jpeg files in its ${classNames.length} class folder(s): ${layoutHint(dir)}`);
  }
  const empty = classNames.filter((_, k) => !files.some((f) => f.label === k));
  if (empty.length) {
    throw new Error(`class folder${empty.length > 1 ? 's' : ''} ${empty.slice(0, 5).map((n) => `"${n}"`).join(', ')} in ${dir} ` +
      `hold${empty.length > 1 ? '' : 's'} no .png/.jpg/.jpeg files: add images or remove the folder`);
  }
  return { dir, classNames, files, ignored };
}

/** The note for files that are not images, or undefined when there are none. */
export function ignoredNote(l: FolderListing): string | undefined {
  if (l.ignored.size === 0) return undefined;
  const total = [...l.ignored.values()].reduce((a, b) => a + b, 0);
  const kinds = [...l.ignored.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([e, n]) => `${e} ×${n}`).join(', ');
  return `ignored ${total} file${total > 1 ? 's' : ''} in ${l.dir} that ${total > 1 ? 'are' : 'is'} not .png/.jpg/.jpeg (${kinds})`;
}

/** Refuses a test folder whose classes differ from the training folder's, naming the first difference. */
export function checkSameClasses(train: FolderListing, test: FolderListing): void {
  const missing = train.classNames.filter((n) => !test.classNames.includes(n));
  const extra = test.classNames.filter((n) => !train.classNames.includes(n));
  if (missing.length === 0 && extra.length === 0) return;
  const parts: string[] = [];
  if (missing.length) parts.push(`lacks class${missing.length > 1 ? 'es' : ''} ${missing.slice(0, 5).map((n) => `"${n}"`).join(', ')}`);
  if (extra.length) parts.push(`has class${extra.length > 1 ? 'es' : ''} ${extra.slice(0, 5).map((n) => `"${n}"`).join(', ')} that ${train.dir} lacks`);
  throw new Error(`--test-dir ${test.dir} ${parts.join(' and ')}: the test folder needs the same class sub-folders as --data-dir`);
}

/** The seeded split's share of each class that goes to the test split. */
export const TEST_FRACTION = 0.1;

/** mulberry32: a small, fast, seedable generator (the split must not depend on Math.random). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Images of a class held out for testing: round(10 %), at least 1 when the class has 2 or more, none with 1. */
export function testCountOf(n: number): number {
  return n < 2 ? 0 : Math.max(1, Math.round(n * TEST_FRACTION));
}

/**
 * Splits a listing's file indices into train and test: per class, a seeded shuffle (seed = the run's seed) picks
 * testCountOf(n) files. Each split keeps the listing order (class, then path). Deterministic for a seed and listing.
 */
export function seededSplit(files: readonly ImageFile[], numClasses: number, seed: number): { train: number[]; test: number[] } {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  files.forEach((f, i) => byClass[f.label].push(i));
  const isTest = new Uint8Array(files.length);
  byClass.forEach((idx, k) => {
    // One generator per class, so adding images to one class does not reshuffle the others.
    const rand = mulberry32(Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca6b));
    const a = idx.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    for (const i of a.slice(0, testCountOf(a.length))) isTest[i] = 1;
  });
  const train: number[] = [];
  const test: number[] = [];
  files.forEach((_, i) => (isTest[i] ? test : train).push(i));
  return { train, test };
}

/**
 * Orders indices (sorted by class) round-robin over the classes: the first of each class, then the second of each,
 * … so that --subset N (the first N images) takes every class, not only the first.
 */
export function interleaveByClass(indices: readonly number[], labelOf: (i: number) => number, numClasses: number): number[] {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (const i of indices) byClass[labelOf(i)].push(i);
  const out: number[] = [];
  const longest = Math.max(0, ...byClass.map((c) => c.length));
  for (let r = 0; r < longest; r++) for (const c of byClass) if (r < c.length) out.push(c[r]);
  return out;
}
