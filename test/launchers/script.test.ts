/** The batch-script writer: exact text for a known input, quoting of hostile paths, and refusals. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { DEFAULT_SLURM_OPTIONS, resolveSlurmOptions } from '../../src/launchers/slurm/options';
import { literalPattern, safeJobName, shellQuote, writeBatchScript, type BatchScriptInput } from '../../src/launchers/slurm/script';

const input = (over: Partial<BatchScriptInput> = {}): BatchScriptInput => ({
  jobName: 'sweep-1',
  options: resolveSlurmOptions({ partition: 'gpu', time: '2:00:00', cpusPerTask: 8, memory: '16G', gpus: 1, extraArgs: ['--qos=high', '--exclusive'], setupScript: '/shared/env.sh', moduleLoads: ['cuda/12.2', 'nodejs'], nodePath: 'node' }),
  runListFile: '/shared/runs/.slurm/sweep-1/runs.txt',
  taskCount: 3,
  concurrency: 2,
  outputPattern: '/shared/runs/.slurm/sweep-1/tasks/%a/slurm.out',
  errorPattern: '/shared/runs/.slurm/sweep-1/tasks/%a/slurm.err',
  trainerPath: '/opt/dcl/dist/trainer.js',
  cwd: '/home/me/project',
  env: { DCL_INJECT_NONFINITE_AT_STEP: '0' },
  ...over,
});

describe('writeBatchScript', () => {
  it('writes the expected script', () => {
    const { text, sbatchArgs } = writeBatchScript(input());
    assert.deepEqual(sbatchArgs, []);
    assert.equal(
      text,
      [
        '#!/bin/bash',
        '#SBATCH --job-name=sweep-1',
        '#SBATCH --partition=gpu',
        '#SBATCH --time=2:00:00',
        '#SBATCH --ntasks=1',
        '#SBATCH --cpus-per-task=8',
        '#SBATCH --mem=16G',
        '#SBATCH --gres=gpu:1',
        '#SBATCH --array=0-2%2',
        '#SBATCH --output=/shared/runs/.slurm/sweep-1/tasks/%a/slurm.out',
        '#SBATCH --error=/shared/runs/.slurm/sweep-1/tasks/%a/slurm.err',
        '#SBATCH --qos=high',
        '#SBATCH --exclusive',
        '# Written by DCL Explorer. One array element per run folder: task i trains the folder on line i+1',
        '# of the run list. The trainer writes status.json and metrics.jsonl there itself.',
        'set -eo pipefail',
        "RUN_LIST='/shared/runs/.slurm/sweep-1/runs.txt'",
        'TASK="${SLURM_ARRAY_TASK_ID:-0}"',
        'RUN_DIR="$(sed -n "$((TASK + 1))p" "$RUN_LIST")"',
        'if [ -z "$RUN_DIR" ] || [ ! -f "$RUN_DIR/config.json" ]; then',
        '  echo "dcl-explorer: array task $TASK has no run folder with a config.json on line $((TASK + 1)) of $RUN_LIST" >&2',
        '  exit 2',
        'fi',
        "cd '/home/me/project'",
        'module load cuda/12.2 nodejs',
        ". '/shared/env.sh'",
        "export DCL_INJECT_NONFINITE_AT_STEP='0'",
        "exec node '/opt/dcl/dist/trainer.js' --run-dir \"$RUN_DIR\"",
        '',
      ].join('\n'),
    );
  });

  it("lists each array task's grid point as a comment (a label's line break cannot end the comment)", () => {
    const labels = ['loss=dcl temperature=0.05 lr=0.001 seed=0', 'loss=dcl temperature=0.2 lr=0.001 seed=0', 'x\nrm -rf /'];
    const { text } = writeBatchScript(input({ taskLabels: labels }));
    const comments = text.split('\n').filter((l) => l.startsWith('# task '));
    assert.deepEqual(comments, ['# task 0: loss=dcl temperature=0.05 lr=0.001 seed=0', '# task 1: loss=dcl temperature=0.2 lr=0.001 seed=0', '# task 2: x rm -rf /']);
    assert.ok(text.indexOf('# task 2') < text.indexOf('set -eo pipefail'), 'listed before the first command');
    assert.throws(() => writeBatchScript(input({ taskLabels: labels.slice(0, 2) })), /2 task labels for 3 tasks/);
  });

  it('leaves out what is not set and caps the array limit at the task count', () => {
    const { text } = writeBatchScript(input({ options: DEFAULT_SLURM_OPTIONS, taskCount: 2, concurrency: 5, env: undefined }));
    assert.doesNotMatch(text, /--partition|--mem|--gres|module load|^\. /m);
    assert.match(text, /^#SBATCH --array=0-1%2$/m);
    assert.match(text, /^#SBATCH --time=01:00:00$/m);
  });

  it('single-quotes hostile paths and moves unsafe output patterns to the sbatch command line', () => {
    const evil = "/runs/x'; touch /tmp/pwned; echo '";
    const { text, sbatchArgs } = writeBatchScript(
      input({ runListFile: `${evil}/runs.txt`, cwd: '/a b/$(id)', trainerPath: '/t`id`/trainer.js', outputPattern: '/a b/%a/slurm.out', options: resolveSlurmOptions({ nodePath: "/opt/no de's/node" }) }),
    );
    assert.deepEqual(sbatchArgs, ['--output=/a b/%a/slurm.out']);
    assert.ok(text.includes(`RUN_LIST='/runs/x'\\''; touch /tmp/pwned; echo '\\''/runs.txt'\n`), text);
    // The shell reads back exactly the path.
    const line = text.split('\n').find((l) => l.startsWith('RUN_LIST=')) as string;
    assert.equal(spawnSync('bash', ['-c', `${line}; printf %s "$RUN_LIST"`], { encoding: 'utf8' }).stdout, `${evil}/runs.txt`);
    assert.match(text, /^cd '\/a b\/\$\(id\)'$/m);
    assert.match(text, /^exec '\/opt\/no de'\\''s\/node' '\/t`id`\/trainer.js' --run-dir "\$RUN_DIR"$/m);
    // bash parses it without running anything: -n reads the script and executes nothing.
    const r = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('refuses values that could reach a shell unchecked', () => {
    assert.throws(() => writeBatchScript(input({ options: { ...DEFAULT_SLURM_OPTIONS, partition: 'debug;id' } })), /partition must be a Slurm partition name/);
    assert.throws(() => writeBatchScript(input({ env: { 'A;B': 'x' } })), /not a valid shell name/);
    assert.throws(() => writeBatchScript(input({ runListFile: 'relative/runs.txt' })), /must be absolute/);
    assert.throws(() => writeBatchScript(input({ taskCount: 0 })), /at least one task/);
    assert.throws(() => shellQuote('a\nb'), /line break/);
  });
});

describe('script helpers', () => {
  it('shellQuote round-trips through a real shell', () => {
    for (const s of ["it's", '$(id) `id` "x" \\ ; & |', '', '%a %%']) {
      const r = spawnSync('bash', ['-c', `printf %s ${shellQuote(s)}`], { encoding: 'utf8' });
      assert.equal(r.stdout, s);
    }
  });
  it('escapes % in literal output paths and reduces job names to safe characters', () => {
    assert.equal(literalPattern('/runs/100%/x'), '/runs/100%%/x');
    assert.equal(safeJobName("x'; rm -rf /"), 'x___rm_-rf__');
    assert.equal(safeJobName(''), 'dcl-explorer');
  });
});
