import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseFlags } from '../../src/cli/args';
import { parseProjectArgs, PROJECT_FLAGS } from '../../src/cli/projectCommand';
import { CancelledError, parseProgressLine, projectCliArgs, startCliJob } from '../../src/host/projection/cliJob';
import { DEFAULT_PARAMS } from '../../src/shared/embeddingFiles';
import { type Selection } from '../../src/shared/projectionMessages';
import { tempDir } from './helpers';

/** A stand-in for dist/cli.js: behaves like `project --progress` according to its first argument. */
const FAKE_CLI = `
const mode = process.argv[2];
const say = (o) => process.stderr.write(JSON.stringify(o) + '\\n');
if (mode === 'ok') {
  say({ progress: 0, stage: 'reading' });
  process.stderr.write('a plain log line\\n');
  say({ progress: 0.5, stage: 't-SNE' });
  say({ progress: 1, stage: 'done' });
  process.stdout.write('summary\\n/tmp/run/embeddings/proj-0123456789abcdef.json\\n');
} else if (mode === 'fail') {
  process.stderr.write('dcl-explorer: t-SNE perplexity 30 needs at least 91 points\\n');
  process.exit(1);
} else {
  say({ progress: 0.1, stage: 'waiting' });
  setInterval(() => {}, 1000);
}
`;

describe('host: running the CLI as a child process', () => {
  it('reports progress lines, keeps other stderr for errors, resolves with stdout lines', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const cli = path.join(dir, 'fake-cli.js');
      fs.writeFileSync(cli, FAKE_CLI);
      const seen: [number, string][] = [];
      const lines = await startCliJob({ nodePath: process.execPath, cliPath: cli, args: ['ok'], onProgress: (f, s) => seen.push([f, s]) }).done;
      assert.deepEqual(seen, [[0, 'reading'], [0.5, 't-SNE'], [1, 'done']]);
      assert.equal(lines[lines.length - 1], '/tmp/run/embeddings/proj-0123456789abcdef.json');
      await assert.rejects(startCliJob({ nodePath: process.execPath, cliPath: cli, args: ['fail'] }).done, /^Error: t-SNE perplexity 30 needs at least 91 points$/);
    } finally {
      cleanup();
    }
  });

  it('cancel kills the child and rejects with CancelledError', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const cli = path.join(dir, 'fake-cli.js');
      fs.writeFileSync(cli, FAKE_CLI);
      let job: ReturnType<typeof startCliJob> | undefined;
      const started = new Promise<void>((resolve) => {
        job = startCliJob({ nodePath: process.execPath, cliPath: cli, args: ['hang'], onProgress: () => resolve() });
      });
      await started;
      job!.cancel();
      await assert.rejects(job!.done, (e: unknown) => e instanceof CancelledError);
    } finally {
      cleanup();
    }
  });

  it('a missing Node executable is explained', async () => {
    await assert.rejects(startCliJob({ nodePath: '/nonexistent/node', cliPath: 'x.js', args: [] }).done, /cannot start \/nonexistent\/node: .*Set "dclExplorer.nodePath"/);
  });

  it('ignores stderr lines that are not progress JSON', () => {
    assert.deepEqual(parseProgressLine('{"progress":0.25,"stage":"UMAP"}'), { progress: 0.25, stage: 'UMAP' });
    assert.equal(parseProgressLine('{"level":"warn"}'), null);
    assert.equal(parseProgressLine('plain text'), null);
  });

  it('webview selections become exactly the CLI flags the project command parses back', () => {
    const { dir, cleanup } = tempDir();
    try {
      const cases: Selection[] = [
        { epoch: 3, layer: 'encoder', method: 'pca', params: {} },
        { epoch: 0, layer: 'projection', method: 'umap', params: { ...DEFAULT_PARAMS.umap, nNeighbors: 30, minDist: 0.25 } },
        { epoch: 7, layer: 'encoder', method: 'tsne', params: { perplexity: 12.5, iterations: 400, seed: 9 } },
      ];
      for (const s of cases) {
        const [command, ...argv] = projectCliArgs(dir, s);
        assert.equal(command, 'project');
        const parsed = parseProjectArgs(parseFlags(argv, PROJECT_FLAGS, 'project'));
        assert.deepEqual({ epoch: parsed.epoch, layer: parsed.layer, method: parsed.method, params: parsed.params, progress: parsed.progress }, { epoch: s.epoch, layer: s.layer, method: s.method, params: s.params, progress: true });
      }
    } finally {
      cleanup();
    }
  });
});
