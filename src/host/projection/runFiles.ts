/**
 * The host's reader for a run's embeddings folder (the host may not import src/trainer/; the validation
 * rules are shared via projectionMessages.ts). Async throughout: this runs on the extension host's event loop.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EMBEDDING_HEADER_RE, SAMPLE_IMAGES_HEADER, decodeFloat32, decodeInt32, decodeUint8, parseEmbeddingHeader, parseProjectionHeader, parseSampleImagesHeader, type EmbeddingEntry, type ProjectionHeader, type SampleImagesHeader } from '../../shared/embeddingFiles';
import { RUN_FILES, type RunConfig } from '../../shared/protocol';

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await fs.promises.readFile(file);
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; the snapshot is incomplete or was pruned`);
  }
}

export function embeddingsFolder(runDir: string): string {
  return path.join(runDir, RUN_FILES.embeddings);
}

/** Snapshot headers of a run, by layer then epoch; unreadable ones are reported in `problems`. */
export async function listSnapshots(runDir: string, problems: string[] = []): Promise<EmbeddingEntry[]> {
  const dir = embeddingsFolder(runDir);
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return [];
  }
  const out: EmbeddingEntry[] = [];
  for (const name of names.filter((n) => EMBEDDING_HEADER_RE.test(n))) {
    try {
      out.push({ ...parseEmbeddingHeader(await readJson(path.join(dir, name)), path.join(dir, name)), path: `${RUN_FILES.embeddings}/${name}` });
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  return out.sort((a, b) => (a.layer === b.layer ? a.epoch - b.epoch : a.layer < b.layer ? -1 : 1));
}

export async function readLabelsAndIndices(runDir: string, entry: EmbeddingEntry): Promise<{ labels: Int32Array; indices: Int32Array }> {
  const dir = embeddingsFolder(runDir);
  const lf = path.join(dir, entry.labels), xf = path.join(dir, entry.indices);
  return {
    labels: decodeInt32(await readBytes(lf), entry.count, lf, `count ${entry.count} × 4`),
    indices: decodeInt32(await readBytes(xf), entry.count, xf, `count ${entry.count} × 4`),
  };
}

export async function readVectors(runDir: string, entry: EmbeddingEntry): Promise<Float32Array> {
  const file = path.join(embeddingsFolder(runDir), entry.vectors);
  return decodeFloat32(await readBytes(file), entry.count * entry.dim, file, `count ${entry.count} × dim ${entry.dim} × 4`);
}

export async function readProjectionFile(headerPath: string): Promise<{ header: ProjectionHeader; coords: Float32Array }> {
  const header = parseProjectionHeader(await readJson(headerPath), headerPath);
  const file = path.join(path.dirname(headerPath), header.coords);
  return { header, coords: decodeFloat32(await readBytes(file), header.count * 2, file, `count ${header.count} × 2 × 4`) };
}

export async function readSampleImageFile(runDir: string): Promise<{ header: SampleImagesHeader; images: Uint8Array } | null> {
  const file = path.join(embeddingsFolder(runDir), SAMPLE_IMAGES_HEADER);
  try {
    await fs.promises.access(file);
  } catch {
    return null;
  }
  const header = parseSampleImagesHeader(await readJson(file), file);
  const bin = path.join(path.dirname(file), header.images);
  const size = header.count * header.height * header.width * header.channels;
  return { header, images: decodeUint8(await readBytes(bin), size, bin, `count ${header.count} × ${header.height} × ${header.width} × ${header.channels}`) };
}

export async function hasSampleImages(runDir: string): Promise<boolean> {
  try {
    await fs.promises.access(path.join(embeddingsFolder(runDir), SAMPLE_IMAGES_HEADER));
    return true;
  } catch {
    return false;
  }
}

/** A run's display name and one-line description from config.json; the folder name when unreadable. */
export async function describeRun(runDir: string): Promise<{ name: string; description: string }> {
  const folder = path.basename(runDir);
  try {
    const c = JSON.parse(await fs.promises.readFile(path.join(runDir, RUN_FILES.config), 'utf8')) as Partial<RunConfig>;
    const facts = [c.loss && `${c.loss.toUpperCase()}`, c.temperature !== undefined && `τ=${c.temperature}`, c.encoder && c.dataset && `${c.encoder}/${c.dataset}`, c.batchSize && `batch ${c.batchSize}`];
    return { name: c.name || folder, description: facts.filter(Boolean).join(' · ') };
  } catch {
    return { name: folder, description: 'no readable config.json' };
  }
}

/** Run folders (sub-folders with a config.json or an embeddings folder) under `runsDir`, newest name first. */
export async function listRunFolders(runsDir: string): Promise<string[]> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(runsDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const dirs = entries.filter((d) => d.isDirectory()).map((d) => path.join(runsDir, d.name));
  const keep = await Promise.all(
    dirs.map(async (d) => {
      for (const f of [RUN_FILES.config, RUN_FILES.embeddings]) {
        try {
          await fs.promises.access(path.join(d, f));
          return true;
        } catch {
          // try the next marker
        }
      }
      return false;
    }),
  );
  return dirs.filter((_, i) => keep[i]).sort((a, b) => path.basename(b).localeCompare(path.basename(a)));
}
