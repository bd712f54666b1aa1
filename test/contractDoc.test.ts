/** docs/CONTRACT.md is the map of the shared contract: it must name every module in src/shared/. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './helpers/paths';

test('docs/CONTRACT.md names every module in src/shared/ in its table', () => {
  const root = repoRoot();
  const doc = fs.readFileSync(path.join(root, 'docs', 'CONTRACT.md'), 'utf8');
  const modules = fs.readdirSync(path.join(root, 'src', 'shared')).filter((f) => f.endsWith('.ts'));
  const missing = modules.filter((m) => !new RegExp(`^\\| \`${m.replace('.', '\\.')}\` \\|`, 'm').test(doc));
  assert.deepEqual(missing, [], 'add a row for each to the "Shared modules" table of docs/CONTRACT.md');
});
