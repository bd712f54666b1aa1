/** The "Start sweep…" questions driven by a scripted prompter, and the grid they turn into. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Answer, PickItem, Prompter, StepFrame } from '../../src/host/flow/prompter';
import { parseBatchSizes, parseGridText, parseLosses, planSweepRuns, runStartSweepFlow } from '../../src/host/flow/startSweepFlow';
import { DEFAULT_RUN_CONFIG } from '../../src/shared/runConfig';

type Call = { type: 'input' | 'pick'; frame: StepFrame; value?: string; labels?: string[]; validate?: (t: string) => string | undefined };
/** A typed answer, or 'BACK' / 'CANCEL' for the buttons. */
type Reply = string | ((c: Call) => string);

class Scripted implements Prompter {
  readonly calls: Call[] = [];
  constructor(private readonly replies: Reply[]) {}
  private next(call: Call): Answer<string> {
    this.calls.push(call);
    const r = this.replies.shift();
    if (r === undefined) throw new Error(`unexpected ${call.type} at step ${call.frame.step}`);
    if (r === 'BACK') return { kind: 'back' };
    if (r === 'CANCEL') return { kind: 'cancel' };
    return { kind: 'value', value: typeof r === 'function' ? r(call) : r };
  }
  async input(frame: StepFrame, o: { prompt: string; value: string; validate: (t: string) => string | undefined }): Promise<Answer<string>> {
    return this.next({ type: 'input', frame, value: o.value, validate: o.validate });
  }
  async pick<T>(frame: StepFrame, o: { items: PickItem<T>[] }): Promise<Answer<T>> {
    const a = this.next({ type: 'pick', frame, labels: o.items.map((i) => i.label) });
    if (a.kind !== 'value') return a;
    const item = o.items.find((i) => i.label === a.value);
    if (!item) throw new Error(`no item ${a.value}`);
    return { kind: 'value', value: item.value };
  }
  async pickFolder(): Promise<string | undefined> {
    throw new Error('not used');
  }
  async showProblem(): Promise<void> {
    throw new Error('not used');
  }
}

const defaults = { ...DEFAULT_RUN_CONFIG, batchSize: 64 };

describe('start-sweep flow', () => {
  it('asks losses, batch sizes, seeds, more fields to vary, the launcher and the Slurm concurrency', async () => {
    const p = new Scripted(['dcl, dclw', '64,128', '0,1,2', 'temperature', '0.05,0.2', 'lr', '1e-3,3e-4', 'Continue', 'Slurm cluster', '3']);
    const choice = await runStartSweepFlow(p, { title: 'Start DCL sweep', defaults });
    assert.deepEqual(choice, {
      losses: ['dcl', 'dclw'],
      batchSizes: [64, 128],
      seeds: [0, 1, 2],
      grid: [{ field: 'temperature', values: [0.05, 0.2] }, { field: 'optimizer.lr', values: [0.001, 0.0003] }],
      launcher: 'slurm',
      concurrency: 3,
    });
    assert.deepEqual(p.calls.map((c) => `${c.frame.step}/${c.frame.totalSteps}`), ['1/5', '2/5', '3/5', '4/5', '4/5', '4/5', '4/5', '4/5', '5/5', '6/6']);
    assert.deepEqual(p.calls[3].labels?.slice(0, 6), ['Continue', 'temperature', 'sigma', 'lr', 'weight-decay', 'momentum'], 'the fields people sweep first');
    assert.deepEqual(p.calls[7].labels?.slice(0, 1), ['Continue']);
    assert.equal(p.calls[0].value, 'infonce,dcl,dclw', 'all three losses offered first');
    assert.equal(p.calls[1].value, '64', 'the default batch size offered');
  });

  it('local runs skip the concurrency question; Back keeps earlier answers; Escape cancels', async () => {
    const p = new Scripted(['infonce', '32', 'BACK', (c) => `${c.value},64`, '7', 'Continue', 'This machine']);
    assert.deepEqual(await runStartSweepFlow(p, { title: 't', defaults }), { losses: ['infonce'], batchSizes: [32, 64], seeds: [7], grid: [], launcher: 'local', concurrency: 4 });
    assert.equal(await runStartSweepFlow(new Scripted(['dcl', 'CANCEL']), { title: 't', defaults }), undefined);
    assert.equal(await runStartSweepFlow(new Scripted(['BACK']), { title: 't', defaults }), undefined);
  });

  it('validates each list as it is typed', async () => {
    const p = new Scripted(['dcl', 'CANCEL']);
    await runStartSweepFlow(p, { title: 't', defaults });
    const v = p.calls[0].validate as (t: string) => string | undefined;
    assert.equal(v('dcl,dclw'), undefined);
    assert.equal(v('dcl,simclr'), '"simclr" is not a loss (infonce, dcl, dclw)');
    assert.equal(v(' , '), 'Enter at least one a loss (infonce, dcl, dclw), separated by commas');
    assert.deepEqual(parseBatchSizes('64, 64, 1'), { ok: false, problem: '"1" is not a batch size (a whole number ≥ 2)' });
    assert.deepEqual(parseLosses('dcl,dcl'), { ok: true, values: ['dcl'] });
  });

  it("checks a field's values as they are typed, with the single-run rules; empty un-varies it; the last grid is offered again", async () => {
    const last = { grid: [{ field: 'optimizer.weightDecay', values: [0, 1e-4] }] };
    // Pick temperature, Back from its values, pick it again, enter them; empty weight decay; Continue; cancel.
    const p = new Scripted(['dcl', '64', '0', 'temperature', 'BACK', 'temperature', '0.05,0.5', 'weight-decay', ' ', 'Continue', 'CANCEL']);
    assert.equal(await runStartSweepFlow(p, { title: 't', defaults, last }), undefined);
    assert.deepEqual(p.calls.map((c) => c.type).join(' '), 'input input input pick input pick input pick input pick pick', 'the last pick is the launcher');
    const v = p.calls[6].validate as (t: string) => string | undefined;
    assert.equal(p.calls[6].value, '', 'temperature was not varied yet');
    assert.equal(v(' '), undefined, 'empty: not varied');
    assert.equal(v('0.05, 0.1'), undefined);
    assert.equal(v('0.1,-0.5'), 'temperature=-0.5: temperature must be ≥ 0.001; got -0.5');
    assert.equal(v('0.1,fast'), 'temperature=fast: not a number');
    assert.equal(v('0.1; lr=0.2'), 'Enter the values of temperature only, comma-separated (e.g. 0.05,0.1)');
    assert.equal(p.calls[8].value, '0,0.0001', "the last sweep's weight decays offered");
    assert.deepEqual(parseGridText('knn-k=10,20', defaults), { ok: true, values: [{ field: 'knn.k', values: [10, 20] }] });
    assert.equal(parseGridText('knn-k=2.5', defaults).ok, false);
  });

  it('returns the fields in the order they were picked', async () => {
    const p = new Scripted(['dcl', '64', '0', 'lr', '1e-3,3e-4', 'temperature', '0.1', 'Continue', 'This machine']);
    const choice = await runStartSweepFlow(p, { title: 't', defaults, last: { grid: [] } });
    assert.deepEqual(choice?.grid, [{ field: 'optimizer.lr', values: [0.001, 0.0003] }, { field: 'temperature', values: [0.1] }]);
  });

  it('plans one validated config per grid element with one sweepId', () => {
    const runs = planSweepRuns(defaults, { losses: ['dcl', 'infonce'], batchSizes: [16, 32], seeds: [0, 1], grid: [] }, 'sweep-x');
    assert.equal(runs.length, 8);
    assert.ok(runs.every((r) => r.config.sweepId === 'sweep-x'));
    assert.deepEqual(runs.map((r) => r.config.name).slice(0, 2), ['dcl b16 seed 0', 'dcl b16 seed 1']);
    const grid = planSweepRuns(defaults, { losses: ['dcl'], batchSizes: [16], seeds: [0], grid: [{ field: 'temperature', values: [0.05, 0.2] }, { field: 'optimizer.lr', values: [1e-3, 3e-4] }] }, 's');
    assert.deepEqual(grid.map((r) => `${r.config.temperature}/${r.config.optimizer.lr}`), ['0.05/0.001', '0.05/0.0003', '0.2/0.001', '0.2/0.0003']);
    assert.throws(() => planSweepRuns({ ...defaults, temperature: -1 }, { losses: ['dcl'], batchSizes: [16], seeds: [0], grid: [] }, 's'), /^Error: the settings every run shares: temperature must be ≥ 0.001; got -1$/);
  });
});
