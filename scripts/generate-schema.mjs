// Writes schemas/dclrun.schema.json from the run-config field table (src/shared/configFields.ts).
// Run after changing the table; test/host/manifest.test.ts fails while the file and the table differ.
import * as esbuild from 'esbuild';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = await esbuild.build({ entryPoints: [join(root, 'src/shared/configSchema.ts')], bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'warning' });
const module = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
writeFileSync(join(root, 'schemas/dclrun.schema.json'), module.RUN_CONFIG_SCHEMA_TEXT);
console.log('wrote schemas/dclrun.schema.json');
