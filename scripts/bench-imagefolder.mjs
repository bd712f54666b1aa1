// Decode speed of the imagefolder reader (src/trainer/data/imageFolder.ts) and what its cache saves:
//   node scripts/bench-imagefolder.mjs [--quick]
// Writes synthetic PNGs and JPEGs to a temp folder, then times a cold load (decode + resize + cache write) and a
// warm load (cache read) for each case. Single-threaded, as the trainer decodes.
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const quick = process.argv.includes('--quick');
const work = mkdtempSync(join(tmpdir(), 'dcl-bench-imagefolder-'));
const require = createRequire(import.meta.url);

try {
  const bundle = join(work, 'reader.cjs');
  await esbuild.build({
    stdin: { contents: "export { loadImageFolder } from './src/trainer/data/imageFolder';", resolveDir: root, loader: 'ts' },
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: bundle, logLevel: 'warning',
  });
  const { loadImageFolder } = require(bundle);
  const { PNG } = require('pngjs');
  const jpeg = require('jpeg-js');

  const pixel = (i, c, y, x) => (i * 37 + c * 71 + ((x * y) >> 3) + 3 * x + 5 * y + ((i * x) % 13) * 7) & 0xff;
  function makeFolder(name, count, side, format) {
    const dir = join(work, name);
    for (let i = 0; i < count; i++) {
      const cls = join(dir, `class${i % 10}`);
      mkdirSync(cls, { recursive: true });
      const rgba = Buffer.alloc(side * side * 4);
      for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) {
        for (let c = 0; c < 3; c++) rgba[(y * side + x) * 4 + c] = pixel(i, c, y, x);
        rgba[(y * side + x) * 4 + 3] = 255;
      }
      if (format === 'png') {
        const png = new PNG({ width: side, height: side });
        rgba.copy(png.data);
        writeFileSync(join(cls, `${i}.png`), PNG.sync.write(png));
      } else {
        writeFileSync(join(cls, `${i}.jpg`), jpeg.encode({ width: side, height: side, data: rgba }, 90).data);
      }
    }
    return dir;
  }

  const cases = [
    { name: 'png32', count: quick ? 300 : 3000, side: 32, format: 'png', sizes: [32] },
    { name: 'jpg256', count: quick ? 60 : 500, side: 256, format: 'jpg', sizes: [32, 96] },
  ];
  console.log('imagefolder reader: images/s (one core), cold = decode + resize + cache write, warm = cache read');
  console.log('files                      size  cold img/s   cold s   warm s   warm img/s');
  for (const c of cases) {
    const dir = makeFolder(c.name, c.count, c.side, c.format);
    for (const size of c.sizes) {
      const cacheDir = join(work, `cache-${c.name}-${size}`);
      let t = performance.now();
      loadImageFolder({ dataDir: dir, imageSize: size, cacheDir });
      const cold = (performance.now() - t) / 1000;
      t = performance.now();
      const ds = loadImageFolder({ dataDir: dir, imageSize: size, cacheDir });
      const warm = (performance.now() - t) / 1000;
      if (ds.train.count + ds.test.count !== c.count) throw new Error('lost images');
      const label = `${c.count} × ${c.side}×${c.side} ${c.format.toUpperCase()}`;
      console.log(`${label.padEnd(26)} ${String(size).padEnd(5)} ${(c.count / cold).toFixed(0).padStart(10)} ${cold.toFixed(2).padStart(8)} ` +
        `${warm.toFixed(3).padStart(8)} ${(c.count / warm).toFixed(0).padStart(12)}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
