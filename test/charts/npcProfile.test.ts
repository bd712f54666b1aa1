/** The "NPC vs batch size" tab's data shaping, message contract and persisted state, on the committed profile fixture. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { npcProfileProblem } from '../../src/host/charts/npcProfileFiles';
import { parseChartsToHost, type NpcProfileEntry } from '../../src/shared/chartsMessages';
import type { NpcProfile } from '../../src/shared/npcProfile';
import { NPC_HISTOGRAM_BINS } from '../../src/shared/protocol';
import { formatPow2, formatValue } from '../../webview/charts/data/format';
import {
  binCentres,
  cvTable,
  densities,
  densityCsvTable,
  npcProfileCvSpec,
  npcProfileHistogramSpec,
  profileExportStem,
  profileLabel,
  selectProfile,
  summaryCsvTable,
} from '../../webview/charts/data/npcProfile';
import { chartSvg, dataView } from '../../webview/charts/data/svgChart';
import { toCsv } from '../../webview/charts/data/table';
import { sanitizeUiState } from '../../webview/charts/data/uiState';
import { fixture } from '../helpers/paths';

const accepted = (m: unknown): boolean => typeof parseChartsToHost(m) === 'object';
const rejected = (m: unknown): boolean => typeof parseChartsToHost(m) === 'string';

const FILES = ['step8-b16_32_64_128-n2-s0.json', 'initial-b16_32_64_128-n2-s0.json'];
const entries: NpcProfileEntry[] = FILES.map((file) => ({ file, profile: JSON.parse(fs.readFileSync(fixture('charts-run', 'npc-profile', file), 'utf8')) as NpcProfile }));
const trained = entries[0].profile;

test('the committed profiles are real CLI output: valid, four batch sizes, q spread shrinking as the batch grows', () => {
  for (const e of entries) assert.equal(npcProfileProblem(e.profile), null, e.file);
  assert.deepEqual(trained.rows.map((r) => r.batchSize), [16, 32, 64, 128]);
  assert.equal(trained.model.kind, 'checkpoint');
  assert.equal(entries[1].profile.model.kind, 'initial');
  const cvs = trained.rows.map((r) => r.summary.cv);
  const means = trained.rows.map((r) => r.summary.mean);
  for (let i = 1; i < cvs.length; i++) {
    assert.ok(cvs[i] < cvs[i - 1], `Cv falls with the batch size: ${cvs.join(', ')}`);
    assert.ok(means[i] > means[i - 1], `mean q rises with the batch size: ${means.join(', ')}`);
  }
});

test('densities integrate to 1 over [0, 1] and keep the histogram shape; an empty histogram is no density', () => {
  for (const row of trained.rows) {
    const d = densities(row.summary.histogram);
    assert.equal(d.length, NPC_HISTOGRAM_BINS);
    const integral = d.reduce((s, v) => s + v / NPC_HISTOGRAM_BINS, 0);
    assert.ok(Math.abs(integral - 1) < 1e-12, `∫ density = ${integral} at B = ${row.batchSize}`);
    const total = row.summary.histogram.reduce((a, b) => a + b, 0);
    assert.equal(total, row.summary.count, 'every q lands in a bin');
    const b = row.summary.histogram.indexOf(Math.max(...row.summary.histogram));
    assert.equal(d[b], (row.summary.histogram[b] / total) * NPC_HISTOGRAM_BINS);
  }
  const hand = new Array(NPC_HISTOGRAM_BINS).fill(0);
  hand[49] = 3;
  hand[0] = 1;
  const d = densities(hand);
  assert.equal(d[49], 37.5);
  assert.equal(d[0], 12.5);
  assert.equal(d[10], 0);
  assert.ok(densities(new Array(NPC_HISTOGRAM_BINS).fill(0)).every(Number.isNaN));
  const x = binCentres();
  assert.equal(x[0], 0.01);
  assert.ok(Math.abs(x[49] - 0.99) < 1e-12);
});

test('the density chart overlays one labelled curve per batch size, in batch-size order', () => {
  const spec = npcProfileHistogramSpec(trained, { logY: false });
  assert.deepEqual(
    spec.series.map((s) => s.label),
    trained.rows.map((r) => `B = ${r.batchSize} · mean ${formatValue(r.summary.mean)} · Cv ${formatValue(r.summary.cv)}`),
  );
  assert.deepEqual(spec.series.map((s) => s.color), [0, 1, 2, 3]);
  assert.equal(spec.x.length, NPC_HISTOGRAM_BINS);
  assert.deepEqual(spec.xRange, [0, 1]);
  assert.equal(spec.yScale, 'linear');
  assert.equal(npcProfileHistogramSpec(trained, { logY: true }).yScale, 'asinh');
  const empty = npcProfileHistogramSpec(undefined, { logY: false });
  assert.equal(empty.series.length, 0);
  assert.equal(empty.x.length, 0, 'nothing to draw: the chart shows its empty note');
});

test('the Cv chart puts batch sizes on a log2 axis labelled as sizes, Cv on a log scale, mean q on the right', () => {
  const spec = npcProfileCvSpec(trained);
  assert.deepEqual(Array.from(spec.x), [4, 5, 6, 7]);
  assert.deepEqual(spec.xRange, [3.5, 7.5]);
  assert.equal(spec.xFormat, 'pow2');
  assert.equal(spec.yScale, 'log');
  assert.deepEqual(spec.series.map((s) => [s.label, s.axis ?? 'y']), [['Cv (σ/μ)', 'y'], ['mean q', 'y2']]);
  assert.deepEqual(Array.from(spec.series[0].values), trained.rows.map((r) => r.summary.cv));
  assert.deepEqual([4, 5, 6.5, 10].map(formatPow2), ['16', '32', '', '1,024']);
  // The SVG export labels the x ticks with batch sizes and puts a tick only at the powers of two.
  const svg = chartSvg(spec, { background: '#fff', foreground: '#000', grid: '#ccc', fontFamily: 'sans-serif', fontSize: 12, palette: ['#00f', '#f00'] }, { width: 700, height: 300 }, dataView(spec));
  for (const size of ['16', '32', '64', '128']) assert.match(svg, new RegExp(`>${size}</text>`));
  assert.equal((svg.match(/<circle /g) ?? []).length, 8, 'a marker on each of the 4 points of both lines');
});

test('the Cv table and the CSV exports list the batch sizes in order, at full precision', () => {
  const t = cvTable(trained);
  assert.deepEqual(t.rows.map((r) => r[0]), ['16', '32', '64', '128']);
  assert.deepEqual(t.rows.map((r) => r[4]), trained.rows.map((r) => formatValue(r.summary.cv)));
  const summary = toCsv(summaryCsvTable(trained)).trim().split('\n');
  assert.equal(summary[0], 'batch_size,count,mean,std,cv,p0,p7,p16,p31,p50,p69,p84,p93,p100');
  assert.equal(summary.length, 5);
  const r0 = trained.rows[0].summary;
  assert.equal(summary[1], [16, r0.count, r0.mean, r0.std, r0.cv, ...r0.percentiles].join(','));
  const density = toCsv(densityCsvTable(trained)).trim().split('\n');
  assert.equal(density[0], 'bin_low,bin_high,density_b16,density_b32,density_b64,density_b128');
  assert.equal(density.length, NPC_HISTOGRAM_BINS + 1);
  assert.ok(density[1].startsWith('0,0.02,'));
  assert.equal(profileExportStem('charts-run', entries[0]), 'npc-vs-batch-charts-run-step8-b16_32_64_128-n2-s0');
});

test('the profile picker names the model and sizes; a vanished choice falls back to the newest profile', () => {
  assert.equal(profileLabel(entries[0]), 'checkpoint at step 8 (epoch 1) · B = 16…128 · 2 batches each');
  assert.equal(profileLabel(entries[1]), 'initial model (untrained) · B = 16…128 · 2 batches each');
  assert.equal(selectProfile(entries, FILES[1]), entries[1]);
  assert.equal(selectProfile(entries, 'gone.json'), entries[0]);
  assert.equal(selectProfile(entries, null), entries[0]);
  assert.equal(selectProfile([], null), undefined);
});

test('the host accepts compute and cancel requests only for a plausible run index', () => {
  assert.ok(accepted({ type: 'computeNpcProfile', run: 0, initial: false }));
  assert.ok(accepted({ type: 'computeNpcProfile', run: 7, initial: true }));
  assert.ok(accepted({ type: 'cancelNpcProfile', run: 1 }));
  assert.ok(rejected({ type: 'computeNpcProfile', run: 0 }), 'initial is required');
  assert.ok(rejected({ type: 'computeNpcProfile', run: 0, initial: 'yes' }));
  assert.ok(rejected({ type: 'computeNpcProfile', run: 8, initial: false }), 'at most 8 runs in a panel');
  assert.ok(rejected({ type: 'computeNpcProfile', run: 1.5, initial: false }));
  assert.ok(rejected({ type: 'cancelNpcProfile', run: -1 }));
  assert.ok(rejected({ type: 'cancelNpcProfile' }));
});

test('the profile choices persist and are checked when restored', () => {
  const s = sanitizeUiState({ tab: 'npcProfile', profileRun: 2, profileFile: 'step8-b16_32-n2-s0.json', profileLogY: true });
  assert.equal(s.tab, 'npcProfile');
  assert.equal(s.profileRun, 2);
  assert.equal(s.profileFile, 'step8-b16_32-n2-s0.json');
  assert.equal(s.profileLogY, true);
  const bad = sanitizeUiState({ profileRun: 99, profileFile: '../../etc/passwd', profileLogY: 1 });
  assert.equal(bad.profileRun, 0);
  assert.equal(bad.profileFile, null);
  assert.equal(bad.profileLogY, false);
});

test('the validator rejects profiles the charts could not draw', () => {
  const clone = () => JSON.parse(JSON.stringify(trained)) as Record<string, unknown> & NpcProfile;
  const cases: [string, (p: ReturnType<typeof clone>) => void, RegExp][] = [
    ['schema', (p) => (p.schemaVersion = 2 as 1), /schemaVersion 2/],
    ['model', (p) => ((p.model as { kind: string }).kind = 'ema'), /model/],
    ['rows', (p) => ((p as Record<string, unknown>).rows = {}), /rows is not a list/],
    ['bins', (p) => p.rows[1].summary.histogram.pop(), /rows\[1\]: summary.histogram is not 50 counts/],
    ['negative count', (p) => (p.rows[0].summary.histogram[3] = -1), /histogram/],
    ['cv', (p) => ((p.rows[2].summary as { cv: unknown }).cv = 'x'), /summary.cv/],
    ['duplicate', (p) => (p.rows[1].batchSize = 16), /appears twice/],
    ['skipped', (p) => ((p as Record<string, unknown>).skipped = [{ batchSize: 4096 }]), /skipped/],
  ];
  for (const [name, mutate, message] of cases) {
    const p = clone();
    mutate(p);
    assert.match(npcProfileProblem(p) ?? 'accepted', message, name);
  }
  assert.equal(npcProfileProblem(null), 'not a JSON object');
});
