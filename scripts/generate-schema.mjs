// Writes what the run-config field table (src/shared/configFields.ts) decides outside the code:
// - schemas/dclrun.schema.json, the *.dclrun.json schema;
// - in package.json, the choices (enum, enumDescriptions) and limits (minimum, maximum) of each setting that defaults
//   a config field (dclExplorer.loss, .temperature, …; runsDirectory defaults runsDir), so a new loss or a changed limit
//   is one edit in the table (or the loss registry) and this script.
// Run after changing the table; test/host/manifest.test.ts fails while either file and the table differ.
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = await esbuild.build({
  stdin: { contents: "export { RUN_CONFIG_SCHEMA_TEXT } from './configSchema'; export { CONFIG_FIELDS } from './configFields';", resolveDir: join(root, 'src/shared'), loader: 'ts' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  write: false,
  logLevel: 'warning',
});
const { RUN_CONFIG_SCHEMA_TEXT, CONFIG_FIELDS } = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
writeFileSync(join(root, 'schemas/dclrun.schema.json'), RUN_CONFIG_SCHEMA_TEXT);
console.log('wrote schemas/dclrun.schema.json');

/** The config field a setting defaults: same name, but for the runs folder. */
const fieldOfSetting = (key) => (key === 'runsDirectory' ? 'runsDir' : key);

const pkgFile = join(root, 'package.json');
const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
for (const [name, prop] of Object.entries(pkg.contributes.configuration.properties)) {
  const field = CONFIG_FIELDS[fieldOfSetting(name.replace(/^dclExplorer\./, ''))];
  if (!field) continue;
  const { rule } = field;
  if (rule.type === 'choice') {
    prop.enum = [...rule.values];
    if (rule.descriptions) prop.enumDescriptions = rule.values.map((v) => rule.descriptions[v]);
  } else if (rule.type === 'number') {
    prop.type = rule.integer ? 'integer' : 'number';
    // Assigned in place where the key exists, so the file keeps its order.
    delete prop[rule.exclusiveMin ? 'minimum' : 'exclusiveMinimum'];
    prop[rule.exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = rule.min;
    prop.maximum = rule.max;
  }
}
writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
console.log("wrote package.json's settings from the field table");
