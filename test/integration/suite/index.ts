/** Entry point VS Code calls inside the extension host: runs every compiled `*.itest.js` with mocha. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: true, timeout: 180_000 });
  for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith('.itest.js'))) mocha.addFile(path.join(__dirname, file));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      // Tells the runner the suite really ran (see runTest.ts).
      const resultFile = process.env.DCL_IT_RESULT_FILE;
      if (resultFile) fs.writeFileSync(resultFile, JSON.stringify({ tests: runner.stats?.tests ?? 0, failures }));
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
  });
}
