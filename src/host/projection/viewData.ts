/**
 * Builds what the webview receives for one view from the run folder: the catalog of snapshots, the
 * projection payload (typed arrays, never JSON arrays) and hover thumbnails. vscode-free, so the browser
 * test builds its fixture messages with exactly this code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEmbeddingHeader, type SampleImagesHeader } from '../../shared/embeddingFiles';
import { type ProjectionPayload, type ViewCatalog } from '../../shared/projectionMessages';
import { describeRun, hasSampleImages, listSnapshots, readLabelsAndIndices, readProjectionFile } from './runFiles';

export async function buildCatalog(slot: number, runDir: string): Promise<ViewCatalog> {
  const [snapshots, info, images] = await Promise.all([listSnapshots(runDir), describeRun(runDir), hasSampleImages(runDir)]);
  return {
    slot,
    runDir,
    runName: info.name,
    description: info.description,
    snapshots: snapshots.map((s) => ({ epoch: s.epoch, step: s.step, layer: s.layer, count: s.count, dim: s.dim, dataset: s.dataset })),
    hasImages: images,
  };
}

/**
 * Reads a projection written by `dcl-explorer project` (its header path) plus the snapshot's labels.
 * `requestedAt`: when the job started; a projection created before it came from the cache.
 */
export async function loadProjectionPayload(runDir: string, headerPath: string, slot: number, requestId: number, requestedAt: number): Promise<ProjectionPayload> {
  const { header, coords } = await readProjectionFile(headerPath);
  const sourceFile = path.join(runDir, header.source);
  let sourceJson: unknown;
  try {
    sourceJson = JSON.parse(await fs.promises.readFile(sourceFile, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read the snapshot ${sourceFile} behind ${headerPath}: ${(e as Error).message}`);
  }
  const source = parseEmbeddingHeader(sourceJson, sourceFile);
  if (source.count !== header.count) {
    throw new Error(`${headerPath} has ${header.count} points but its snapshot ${sourceFile} has ${source.count}; delete the stale projection`);
  }
  const { labels, indices } = await readLabelsAndIndices(runDir, { ...source, path: header.source });
  let maxLabel = -1;
  for (const l of labels) if (l > maxLabel) maxLabel = l;
  const classNames = source.classNames ?? Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
  const cached = Date.parse(header.createdAt) < requestedAt;
  return { type: 'projection', slot, requestId, header, dataset: source.dataset, dim: source.dim, classNames, coords, labels, indices, cached };
}

/** Row of `images` holding test-split index `testIndex`, via a lazily built lookup. */
export class ThumbnailLookup {
  private readonly rowOf = new Map<number, number>();

  constructor(readonly header: SampleImagesHeader, readonly images: Uint8Array) {
    header.indices.forEach((testIndex, row) => this.rowOf.set(testIndex, row));
  }

  pixels(testIndex: number): Uint8Array | null {
    const row = this.rowOf.get(testIndex);
    if (row === undefined) return null;
    const size = this.header.height * this.header.width * this.header.channels;
    return this.images.slice(row * size, (row + 1) * size);
  }
}
