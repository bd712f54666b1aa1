/**
 * The Runs view's "Linear evaluation" under a fake `vscode`: it runs the real CLI code as a child process (this
 * very bundle acts as dist/cli.js, see ACT_AS_CLI) and shows the result line or the CLI's one-line refusal.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runEvalCommand } from '../../src/cli/evalCommand';
import { FakeUri, FakeVscodeHost, installFakeVscodeHost } from '../projection/fakeVscodeHost';
import { makeRunDir, readStatus, tempDir, tinyConfig } from '../helpers/runs';

const ACT_AS_CLI = process.env.DCL_LINEAR_TEST_CLI === '1';

if (ACT_AS_CLI) {
  void (async () => {
    const [command, ...argv] = process.argv.slice(2);
    try {
      if (command !== 'eval') throw new Error(`unknown command "${command}"`);
      await runEvalCommand(argv);
    } catch (e) {
      process.stderr.write(`dcl-explorer: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
  })();
} else {
  describe('Linear evaluation (host, fake vscode, real CLI child)', () => {
    let dir: string;
    let fake: FakeVscodeHost;
    let uninstall: () => void;
    let run: (...args: unknown[]) => unknown;
    const disposables: { dispose(): void }[] = [];

    before(async () => {
      dir = tempDir('dcl-linear-action-');
      const ext = path.join(dir, 'ext');
      fs.mkdirSync(path.join(ext, 'dist'), { recursive: true });
      fs.writeFileSync(path.join(ext, 'dist', 'cli.js'), `process.env.DCL_LINEAR_TEST_CLI = '1';\nrequire(${JSON.stringify(__filename)});\n`);
      fake = new FakeVscodeHost();
      uninstall = installFakeVscodeHost(fake, dir);
      // Loaded after the fake is installed: the module requires 'vscode' when it initialises.
      const { registerLinearEvalCommands } = await import('../../src/host/vscode/commands/linearEvalCommands');
      const host = { context: { extensionUri: FakeUri.file(ext), subscriptions: [] }, runsRootOrWarn: () => undefined, cliRuntime: () => ({ nodePath: process.execPath, cliPath: path.join(ext, 'dist', 'cli.js') }) };
      disposables.push(...(registerLinearEvalCommands(host as never) as { dispose(): void }[]));
      run = fake.commands.get('dclExplorer.linearEval')!;
    });

    after(() => {
      for (const d of disposables) d.dispose();
      uninstall?.();
    });

    it('evaluates the run and shows its linear top-1', async () => {
      const { runTraining } = await import('../../src/trainer/train');
      const runDir = makeRunDir(tinyConfig({ epochs: 1 }));
      assert.equal((await runTraining(runDir)).state, 'finished');
      await run({ runDir });
      assert.deepEqual(fake.progressTitles.at(-1), `Linear evaluation of ${path.basename(runDir)}`);
      assert.equal(fake.messages.length, 1);
      const pct = ((readStatus(runDir).final?.linearAccuracy ?? NaN) * 100).toFixed(2);
      assert.match(fake.messages[0], new RegExp(`^info: ${path.basename(runDir)}: linear top-1 ${pct.replace('.', '\\.')}% after epoch 1 \\(`));
    });

    it("shows the CLI's reason when the run has no checkpoint", async () => {
      fake.messages.length = 0;
      await run({ runDir: makeRunDir(tinyConfig()) });
      assert.equal(fake.messages.length, 1);
      assert.match(fake.messages[0], /^error: Linear evaluation failed: eval: .* has no checkpoint yet/);
    });
  });
}
