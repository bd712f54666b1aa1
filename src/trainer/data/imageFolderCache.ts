/**
 * The decoded-image cache of the imagefolder reader: one folder's images decoded and resized once, reused by later
 * runs. One file per (folder listing, image size) under `$DCL_DATA_CACHE`, else `$XDG_CACHE_HOME/dcl-explorer/imagefolder`,
 * else `~/.cache/dcl-explorer/imagefolder` (`DCL_DATA_CACHE=off` turns it off). The key hashes the reader version,
 * the image size and every listed file's relative path, size and modification time, so an added, removed or
 * re-saved image makes a new entry. The split is not part of it (it is applied after reading), so runs with other
 * seeds share the entry.
 *
 * File: "DCLIMGF1", u32 LE header length, JSON header, then the pixels of the readable images in listing order,
 * then a SHA-256 of everything before it. A file that is short, long, foreign or fails the checksum is ignored
 * (and rewritten); writes go to a temporary file renamed into place, so readers never see half a file.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ImageFile } from '../../datasetFiles/imageFolderScan';

/** Bump when decoding or resizing changes: old entries then stop matching. */
export const IMAGEFOLDER_READER_VERSION = 1;
const MAGIC = Buffer.from('DCLIMGF1');
const HASH_BYTES = 32;

export function imageFolderCacheDir(env: Record<string, string | undefined> = process.env): string | undefined {
  const v = env.DCL_DATA_CACHE;
  if (v === 'off' || v === '0') return undefined;
  if (v) return v;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'dcl-explorer', 'imagefolder');
}

export function cacheKey(files: readonly ImageFile[], imageSize: number): string {
  const h = createHash('sha256');
  h.update(`dcl-imagefolder v${IMAGEFOLDER_READER_VERSION} size ${imageSize}\n`);
  for (const f of files) h.update(`${f.rel}\0${f.size}\0${f.mtimeMs}\n`);
  return h.digest('hex').slice(0, 32);
}

/** One folder decoded: per listed file, readable or why not; pixels of the readable ones in order. */
export interface DecodedFolder {
  /** 1 where the listed file decoded, 0 where it was skipped. */
  ok: Uint8Array;
  /** Reasons of the skipped files, in listing order: "rel: reason". */
  skipped: string[];
  /** okCount*size*size*3 bytes. */
  pixels: Uint8Array;
}

interface Header {
  key: string;
  count: number;
  ok: string;
  skipped: string[];
  pixelBytes: number;
}

export function cacheFile(dir: string, key: string): string {
  return path.join(dir, `${key}.bin`);
}

/** The cached entry, or undefined when there is none or it cannot be trusted. Never throws. */
export function readCache(file: string, key: string, count: number, bytesPerImage: number): DecodedFolder | undefined {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  try {
    if (buf.length < MAGIC.length + 4 + HASH_BYTES || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const headerLen = buf.readUInt32LE(MAGIC.length);
    const headerEnd = MAGIC.length + 4 + headerLen;
    if (headerEnd + HASH_BYTES > buf.length) return undefined;
    const body = buf.subarray(0, buf.length - HASH_BYTES);
    const digest = createHash('sha256').update(body).digest();
    if (!digest.equals(buf.subarray(buf.length - HASH_BYTES))) return undefined;
    const header = JSON.parse(buf.subarray(MAGIC.length + 4, headerEnd).toString('utf8')) as Header;
    if (header.key !== key || header.count !== count || typeof header.ok !== 'string' || header.ok.length !== count) return undefined;
    const ok = Uint8Array.from(header.ok, (c) => (c === '1' ? 1 : 0));
    const okCount = ok.reduce((a, b) => a + b, 0);
    if (header.pixelBytes !== okCount * bytesPerImage || headerEnd + header.pixelBytes !== body.length) return undefined;
    if (!Array.isArray(header.skipped)) return undefined;
    // A copy, so the 64 KB-pooled or file-sized Buffer is not kept alive by a view.
    const pixels = new Uint8Array(header.pixelBytes);
    pixels.set(buf.subarray(headerEnd, headerEnd + header.pixelBytes));
    return { ok, skipped: header.skipped.map(String), pixels };
  } catch {
    return undefined;
  }
}

/** Writes an entry atomically; returns why it could not (a read-only or full disk is not a reason to fail the run). */
export function writeCache(file: string, key: string, folder: DecodedFolder): string | undefined {
  const header: Header = {
    key,
    count: folder.ok.length,
    ok: Array.from(folder.ok, (v) => (v ? '1' : '0')).join(''),
    skipped: folder.skipped,
    pixelBytes: folder.pixels.length,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const hash = createHash('sha256').update(MAGIC).update(len).update(json).update(folder.pixels).digest();
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const fd = fs.openSync(tmp, 'w');
    try {
      for (const part of [MAGIC, len, json, folder.pixels, hash]) {
        let off = 0;
        while (off < part.length) off += fs.writeSync(fd, part, off, part.length - off);
      }
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    return undefined;
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // Nothing was created.
    }
    return (e as Error).message.split('\n')[0];
  }
}
