/**
 * The one place the ImageFolder listing rules live (torchvision.datasets.ImageFolder's layout: one sub-folder per
 * class, the images anywhere below it), with the seeded split's counts. Three sides read a folder with these rules and
 * must agree on every file: the trainer's reader (src/trainer/data/imageFolder.ts, which decodes what is listed here),
 * the CLI's preflight (describeDatasetDir in src/trainer/data/index.ts, through describeImageFolder) and the extension
 * host's check before a launch (src/host/datasets/datasetFolderCheck.ts). The host never imports src/trainer, so the
 * rules sit here, Node-side like src/runFolder/, importing node:fs and node:path only (no decoder, no TensorFlow.js):
 * the host bundle stays light. One walk serves both callers: it is written once as a sequence of file-system requests
 * (`scan` below) and run synchronously for the trainer (scanImageFolderSync, listImageFolder) and asynchronously for
 * the host (scanImageFolder), so the extension host never blocks on a big folder.
 *
 * As torchvision: classes are the immediate sub-folders sorted by code point (Python's sorted), label = index in
 * that list; a class's files are found recursively (symlinks followed, each real folder once) and sorted by their
 * path; .png, .jpg and .jpeg count, in any letter case. Unlike torchvision, names starting with "." (.ipynb_checkpoints,
 * macOS ._ files) are ignored, other files are counted and reported, not silently dropped, every class folder must hold
 * an image, and a folder of more than MAX_FOLDER_FILES files is refused before the rest is listed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];
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
  /** Images per class, by label. */
  perClass: number[];
  /** Sorted by class, then by path; empty when scanned with `files: false`. */
  files: ImageFile[];
  /** Files with another extension, by extension ("(none)" without one). */
  ignored: Map<string, number>;
}

/** Files counted against a bound; one budget may span several scans (the host counts a training and a test folder). */
export interface FileBudget {
  files: number;
  readonly max: number;
}

export const fileBudget = (max = MAX_FOLDER_FILES): FileBudget => ({ files: 0, max });

export interface ScanOptions {
  /** Default: a fresh budget of MAX_FOLDER_FILES. */
  budget?: FileBudget;
  /** false: count the images per class only (no stat of each file, nothing kept per file). Default true. */
  files?: boolean;
}

/** Why a folder is not an ImageFolder; each caller words it for its audience (CLI flags, the start flow). */
export type ScanProblem =
  | { kind: 'unreadable'; message: string }
  | { kind: 'tooManyFiles'; max: number }
  | { kind: 'noClasses' }
  | { kind: 'noImages'; classNames: string[] }
  | { kind: 'emptyClasses'; names: string[] };

export type ScanResult = { ok: true; listing: FolderListing } | { ok: false; problem: ScanProblem };

// ---------------------------------------------------------------- the walk, as file-system requests

type EntryKind = 'dir' | 'file' | 'link' | 'other';
interface Entry {
  name: string;
  kind: EntryKind;
}
interface Stat {
  dir: boolean;
  file: boolean;
  size: number;
  mtimeMs: number;
}
/** readdir answers Entry[] or the Error; stat answers Stat or undefined; realpath the path or undefined. */
type FsRequest = { op: 'readdir'; path: string } | { op: 'stat'; path: string } | { op: 'realpath'; path: string };
type Steps<T> = Generator<FsRequest, T, unknown>;

function* readdir(p: string): Steps<Entry[] | Error> {
  return (yield { op: 'readdir', path: p }) as Entry[] | Error;
}
function* stat(p: string): Steps<Stat | undefined> {
  return (yield { op: 'stat', path: p }) as Stat | undefined;
}
function* realpath(p: string): Steps<string | undefined> {
  return (yield { op: 'realpath', path: p }) as string | undefined;
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

class TooManyFiles extends Error {}

function* scan(dir: string, options: ScanOptions): Steps<ScanResult> {
  const budget = options.budget ?? fileBudget();
  const keepFiles = options.files !== false;
  const top = yield* readdir(dir);
  if (top instanceof Error) return { ok: false, problem: { kind: 'unreadable', message: top.message } };
  const classNames: string[] = [];
  for (const e of top) {
    if (e.name.startsWith('.')) continue;
    if (e.kind === 'dir' || (e.kind === 'link' && (yield* stat(path.join(dir, e.name)))?.dir)) classNames.push(e.name);
  }
  classNames.sort(byCodePoint);
  if (classNames.length === 0) return { ok: false, problem: { kind: 'noClasses' } };

  const perClass = classNames.map(() => 0);
  const files: ImageFile[] = [];
  const ignored = new Map<string, number>();
  const visited = new Set<string>();
  function* walk(abs: string, rel: string, label: number, out: ImageFile[]): Steps<void> {
    const real = yield* realpath(abs);
    if (real === undefined || visited.has(real)) return; // Unreadable, or a link back to a folder already listed.
    visited.add(real);
    const entries = yield* readdir(abs);
    if (entries instanceof Error) return;
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(abs, e.name);
      let kind = e.kind;
      let st: Stat | undefined;
      if (kind === 'link' || (kind === 'file' && keepFiles)) {
        st = yield* stat(p); // Follows links; a file that vanished or a broken link is passed over.
        if (!st) continue;
        kind = st.dir ? 'dir' : st.file ? 'file' : 'other';
      }
      if (kind === 'dir') yield* walk(p, `${rel}/${e.name}`, label, out);
      if (kind !== 'file') continue;
      if (++budget.files > budget.max) throw new TooManyFiles();
      const ext = path.extname(e.name).toLowerCase();
      if (!IMAGE_EXTENSIONS.includes(ext)) {
        ignored.set(ext || '(none)', (ignored.get(ext || '(none)') ?? 0) + 1);
        continue;
      }
      perClass[label]++;
      if (keepFiles && st) out.push({ rel: `${rel}/${e.name}`, label, size: st.size, mtimeMs: st.mtimeMs });
    }
  }
  try {
    for (const [label, name] of classNames.entries()) {
      const mine: ImageFile[] = [];
      yield* walk(path.join(dir, name), name, label, mine);
      mine.sort((a, b) => byCodePoint(a.rel, b.rel));
      for (const f of mine) files.push(f); // Not push(...mine): a class of a million files would overflow the stack.
    }
  } catch (e) {
    if (e instanceof TooManyFiles) return { ok: false, problem: { kind: 'tooManyFiles', max: budget.max } };
    throw e;
  }
  if (perClass.every((n) => n === 0)) return { ok: false, problem: { kind: 'noImages', classNames } };
  const empty = classNames.filter((_, k) => perClass[k] === 0);
  if (empty.length) return { ok: false, problem: { kind: 'emptyClasses', names: empty } };
  return { ok: true, listing: { dir, classNames, perClass, files, ignored } };
}

const kindOf = (d: fs.Dirent): EntryKind => (d.isDirectory() ? 'dir' : d.isFile() ? 'file' : d.isSymbolicLink() ? 'link' : 'other');
const entriesOf = (ds: fs.Dirent[]): Entry[] => ds.map((d) => ({ name: d.name, kind: kindOf(d) }));
const statOf = (st: fs.Stats): Stat => ({ dir: st.isDirectory(), file: st.isFile(), size: st.size, mtimeMs: st.mtimeMs });
const failed = (r: FsRequest, e: unknown): Error | undefined => (r.op === 'readdir' ? (e instanceof Error ? e : new Error(String(e))) : undefined);

function answerSync(r: FsRequest): unknown {
  try {
    if (r.op === 'readdir') return entriesOf(fs.readdirSync(r.path, { withFileTypes: true }));
    if (r.op === 'stat') return statOf(fs.statSync(r.path));
    return fs.realpathSync(r.path);
  } catch (e) {
    return failed(r, e);
  }
}

async function answerAsync(r: FsRequest): Promise<unknown> {
  try {
    if (r.op === 'readdir') return entriesOf(await fs.promises.readdir(r.path, { withFileTypes: true }));
    if (r.op === 'stat') return statOf(await fs.promises.stat(r.path));
    return await fs.promises.realpath(r.path);
  } catch (e) {
    return failed(r, e);
  }
}

/** Lists `dir` as an ImageFolder, blocking (the trainer, the CLI). */
export function scanImageFolderSync(dir: string, options: ScanOptions = {}): ScanResult {
  const steps = scan(dir, options);
  let step = steps.next();
  while (!step.done) step = steps.next(answerSync(step.value));
  return step.value;
}

/** Lists `dir` as an ImageFolder without blocking the event loop (the extension host). */
export async function scanImageFolder(dir: string, options: ScanOptions = {}): Promise<ScanResult> {
  const steps = scan(dir, options);
  let step = steps.next();
  while (!step.done) step = steps.next(await answerAsync(step.value));
  return step.value;
}

// ---------------------------------------------------------------- the trainer's wording

/** One line naming the folder and what it should look like. */
function layoutHint(dir: string): string {
  return `${dir} should hold one sub-folder per class with .png/.jpg/.jpeg images in each (DIR/cat/1.png, DIR/dog/2.jpg), as torchvision's ImageFolder reads`;
}

/** Lists `dir` as an ImageFolder; throws one line, naming `flag`, for a folder that is not one. */
export function listImageFolder(dir: string, flag = '--data-dir'): FolderListing {
  const r = scanImageFolderSync(dir);
  if (r.ok) return r.listing;
  const p = r.problem;
  switch (p.kind) {
    case 'unreadable':
      throw new Error(`cannot read ${flag} ${dir}: ${p.message}`);
    case 'tooManyFiles':
      throw new Error(`${flag} ${dir} holds more than ${p.max.toLocaleString('en-US')} files: point it at a smaller folder (or split the data into several)`);
    case 'noClasses':
      throw new Error(`${flag} ${dir} has no class sub-folders: ${layoutHint(dir)}`);
    case 'noImages':
      throw new Error(`${flag} ${dir} has no .png/.jpg/.jpeg files in its ${p.classNames.length} class folder(s): ${layoutHint(dir)}`);
    case 'emptyClasses': {
      const many = p.names.length > 1;
      throw new Error(`class folder${many ? 's' : ''} ${p.names.slice(0, 5).map((n) => `"${n}"`).join(', ')} in ${dir} ` +
        `hold${many ? '' : 's'} no .png/.jpg/.jpeg files: add images or remove the folder`);
    }
  }
}

/** The note for files that are not images, or undefined when there are none. */
export function ignoredNote(l: FolderListing): string | undefined {
  if (l.ignored.size === 0) return undefined;
  const total = [...l.ignored.values()].reduce((a, b) => a + b, 0);
  const kinds = [...l.ignored.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([e, n]) => `${e} ×${n}`).join(', ');
  return `ignored ${total} file${total > 1 ? 's' : ''} in ${l.dir} that ${total > 1 ? 'are' : 'is'} not .png/.jpg/.jpeg (${kinds})`;
}

/** The classes only one of a training and a test folder has, in class order; both empty when they agree. */
export function classDifference(train: readonly string[], test: readonly string[]): { onlyTrain: string[]; onlyTest: string[] } {
  const inTrain = new Set(train);
  const inTest = new Set(test);
  return { onlyTrain: train.filter((n) => !inTest.has(n)), onlyTest: test.filter((n) => !inTrain.has(n)) };
}

/** Refuses a test folder whose classes differ from the training folder's, naming the first difference. */
export function checkSameClasses(train: FolderListing, test: FolderListing): void {
  const { onlyTrain: missing, onlyTest: extra } = classDifference(train.classNames, test.classNames);
  if (missing.length === 0 && extra.length === 0) return;
  const parts: string[] = [];
  if (missing.length) parts.push(`lacks class${missing.length > 1 ? 'es' : ''} ${missing.slice(0, 5).map((n) => `"${n}"`).join(', ')}`);
  if (extra.length) parts.push(`has class${extra.length > 1 ? 'es' : ''} ${extra.slice(0, 5).map((n) => `"${n}"`).join(', ')} that ${train.dir} lacks`);
  throw new Error(`--test-dir ${test.dir} ${parts.join(' and ')}: the test folder needs the same class sub-folders as --data-dir`);
}

/** The seeded split's share of each class that goes to the test split. */
export const TEST_FRACTION = 0.1;

/** Images of a class held out for testing: round(10 %), at least 1 when the class has 2 or more, none with 1. */
export function testCountOf(n: number): number {
  return n < 2 ? 0 : Math.max(1, Math.round(n * TEST_FRACTION));
}
