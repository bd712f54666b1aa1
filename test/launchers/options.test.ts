/** Validation of the Slurm settings: accepted formats, and messages that name the setting and the fix. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkExtraArg, checkMemory, checkModule, checkNodePath, checkPartition, checkSetupScript, checkTime, resolveSlurmOptions, SlurmOptionsError } from '../../src/launchers/slurm/options';

describe('Slurm option checks', () => {
  it('accepts the formats Slurm documents', () => {
    for (const v of ['', 'debug', 'gpu-a100', 'a,b.c_d']) assert.equal(checkPartition(v), undefined, v);
    for (const v of ['', '90', '30:00', '2:00:00', '1-12', '1-12:30', '1-12:30:00', 'UNLIMITED']) assert.equal(checkTime(v), undefined, v);
    for (const v of ['', '0', '4000', '16G', '512M']) assert.equal(checkMemory(v), undefined, v);
    for (const v of ['--qos=high', '--exclusive', '--constraint=a100,v100', '--account=proj-1', '--mail-user=me@x.org']) assert.equal(checkExtraArg(v), undefined, v);
    for (const v of ['cuda/12.2', 'nodejs', 'gcc/12.1.0+mpi']) assert.equal(checkModule(v), undefined, v);
    for (const v of ['node', '/opt/node 20/bin/node']) assert.equal(checkNodePath(v), undefined, v);
  });

  it('rejects shell metacharacters and malformed values', () => {
    for (const v of ['debug;id', 'debug id', '$(id)', "a'b", 'a\nb']) assert.match(checkPartition(v) ?? '', /partition must be/, v);
    for (const v of ['2h', '1:2:3:4', '1-', 'soon;id']) assert.match(checkTime(v) ?? '', /time must be/, v);
    for (const v of ['16 G', '16GB;', '-1']) assert.match(checkMemory(v) ?? '', /memory must be/, v);
    for (const v of ['-q high', '--qos high', '--qos=$(id)', "--qos='x'", '--x=a;b']) assert.match(checkExtraArg(v) ?? '', /extraArgs entries/, v);
    for (const v of ['--array=0-9', '--output=/tmp/x', '--wrap=id', '--export=NONE']) assert.match(checkExtraArg(v) ?? '', /may not set/, v);
    for (const v of ['cuda; id', '-x', 'a b']) assert.match(checkModule(v) ?? '', /moduleLoads entries/, v);
    assert.match(checkSetupScript('env.sh') ?? '', /absolute path/);
    assert.match(checkNodePath('node; id') ?? '', /nodePath must be/);
  });

  it('resolveSlurmOptions fills defaults and lists every problem', () => {
    assert.equal(resolveSlurmOptions({}).cpusPerTask, 4);
    assert.throws(
      () => resolveSlurmOptions({ partition: 'x;y', cpusPerTask: 0, gpus: 1.5 }),
      (e: unknown) => e instanceof SlurmOptionsError && e.problems.length === 3 && /partition/.test(e.message) && /cpusPerTask/.test(e.message) && /gpus/.test(e.message),
    );
  });
});
