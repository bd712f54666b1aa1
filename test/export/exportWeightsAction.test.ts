/**
 * The Runs view's "Export weights…" under a fake `vscode`: it asks where to save, runs the real CLI code as a
 * child process (this very bundle acts as dist/cli.js, see ACT_AS_CLI) and reports the file or the CLI's error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runExportWeightsCommand } from '../../src/cli/exportWeightsCommand';
import { FakeUri, FakeVscodeHost, installFakeVscodeHost } from '../projection/fakeVscodeHost';
import { tempDir } from '../helpers/runs';

const ACT_AS_CLI = process.env.DCL_EXPORT_TEST_CLI === '1';

if (ACT_AS_CLI) {
  void (async () => {
    const [command, ...argv] = process.argv.slice(2);
    try {
      if (command !== 'export-weights') throw new Error(`unknown command "${command}"`);
      await runExportWeightsCommand(argv);
    } catch (e) {
      process.stderr.write(`dcl-explorer: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
  })();
} else {
  describe('Export weights… (host, fake vscode, real CLI child)', () => {
    let dir: string;
    let fake: FakeVscodeHost;
    let uninstall: () => void;
    let run: (...args: unknown[]) => unknown;
    const disposables: { dispose(): void }[] = [];

    before(async () => {
      dir = tempDir('dcl-export-action-');
      const ext = path.join(dir, 'ext');
      fs.mkdirSync(path.join(ext, 'dist'), { recursive: true });
      fs.writeFileSync(path.join(ext, 'dist', 'cli.js'), `process.env.DCL_EXPORT_TEST_CLI = '1';\nrequire(${JSON.stringify(__filename)});\n`);
      fake = new FakeVscodeHost();
      uninstall = installFakeVscodeHost(fake, dir);
      // Loaded after the fake is installed: the module requires 'vscode' when it initialises.
      const { registerExportWeightsCommands } = await import('../../src/host/vscode/commands/exportWeightsCommands');
      disposables.push(...(registerExportWeightsCommands({ context: { extensionUri: FakeUri.file(ext), subscriptions: [] }, runsRootOrWarn: () => undefined, cliRuntime: () => ({ nodePath: process.execPath, cliPath: path.join(ext, 'dist', 'cli.js') }) } as never) as { dispose(): void }[]));
      run = fake.commands.get('dclExplorer.exportWeights')!;
    });

    after(() => {
      for (const d of disposables) d.dispose();
      uninstall?.();
    });

    it('writes the .safetensors file the user picked and says where', async () => {
      const { useCpu } = await import('../helpers/tf');
      await useCpu();
      const { buildEncoder, buildProjectionHead, featureDim } = await import('../../src/trainer/encoders');
      const { saveCheckpoint } = await import('../../src/trainer/checkpoint');
      const runDir = path.join(dir, 'run');
      fs.mkdirSync(runDir);
      fs.writeFileSync(path.join(runDir, 'config.json'), JSON.stringify({ encoder: 'mlp' }));
      await saveCheckpoint(path.join(runDir, 'checkpoints'), { encoder: buildEncoder('mlp', [4, 4, 1], 1), head: buildProjectionHead(featureDim('mlp'), [8], 2) }, { step: 3, epoch: 1, time: 't' });
      const target = path.join(dir, 'picked.safetensors');
      let offered: string | undefined;
      fake.saveDialog = (o) => {
        offered = o.defaultUri?.fsPath;
        return FakeUri.file(target);
      };
      await run({ runDir });
      assert.equal(offered, path.join(runDir, 'exports', 'run.safetensors'));
      assert.deepEqual(fake.messages, [`info: Wrote ${target}. Load it with the modules in docs/pytorch/dcl_models.py (see the README).`]);
      const bytes = fs.readFileSync(target);
      const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as Record<string, { shape: number[] }>;
      assert.deepEqual(header['encoder.fc1.weight'].shape, [1024, 16]);
    });

    it("shows the CLI's reason when the run has no checkpoint", async () => {
      fake.messages.length = 0;
      const runDir = path.join(dir, 'empty');
      fs.mkdirSync(runDir);
      fs.writeFileSync(path.join(runDir, 'config.json'), JSON.stringify({ encoder: 'mlp' }));
      fake.saveDialog = () => FakeUri.file(path.join(dir, 'never.safetensors'));
      await run({ runDir });
      assert.equal(fake.messages.length, 1);
      assert.match(fake.messages[0], /^error: Export failed: export-weights: .* has no checkpoint yet/);
      assert.equal(fs.existsSync(path.join(dir, 'never.safetensors')), false);
    });
  });
}
