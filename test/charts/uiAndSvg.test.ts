import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseColor, withAlpha } from '../../webview/common/colors';
import { formatDuration, formatNumber, formatPercent } from '../../webview/charts/data/format';
import { lossChartSpec } from '../../webview/charts/data/lossChart';
import { npcBandsSpec } from '../../webview/charts/data/npcBandsChart';
import { chartSvg, dataView } from '../../webview/charts/data/svgChart';
import { asinhTicks, logTicks, niceTicks } from '../../webview/charts/data/ticks';
import { DEFAULT_UI_STATE, sanitizeUiState, togglePinned } from '../../webview/charts/data/uiState';
import { fixtureChartRun } from './seriesHelpers';

test('restored UI state is checked field by field; bad values fall back to defaults', () => {
  assert.deepEqual(sanitizeUiState(undefined), DEFAULT_UI_STATE);
  const s = sanitizeUiState({ smoothing: 5, xAxis: 'bogus', logY: 'yes', tab: 'npc', zoom: { loss: { min: 1, max: 2 }, knn: { min: 3, max: 1 }, evil: { min: 0, max: 1 } }, histogramStep: 40, histogramPinned: [1, 1, 'x', 7] });
  assert.equal(s.smoothing, 0.999);
  assert.equal(s.xAxis, 'step');
  assert.equal(s.logY, false);
  assert.equal(s.tab, 'npc');
  assert.deepEqual(s.zoom, { loss: { min: 1, max: 2 } });
  assert.equal(s.histogramStep, 40);
  assert.deepEqual(s.histogramPinned, [1, 7]);
});

test('pinning toggles a step and keeps the list sorted and bounded', () => {
  assert.deepEqual(togglePinned([10, 30], 20), [10, 20, 30]);
  assert.deepEqual(togglePinned([10, 20, 30], 20), [10, 30]);
  assert.equal(togglePinned([1, 2, 3, 4, 5, 6, 7, 8], 9).length, 8);
});

test('number formats for read-outs and axes', () => {
  assert.equal(formatNumber(0.000123), '1.23e-4');
  assert.equal(formatNumber(4.56789), '4.568');
  assert.equal(formatNumber(NaN), '—');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(65), '1:05');
  assert.equal(formatPercent(85.26), '85.3%');
});

test('ticks: round steps for linear axes, decades for log, ±10^k for asinh', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(3, 97, 4), [20, 40, 60, 80]);
  assert.deepEqual(logTicks(0.5, 700), [1, 10, 100]);
  assert.deepEqual(logTicks(1.5, 30), [2, 5, 10, 20]);
  assert.deepEqual(asinhTicks(-2, 20), [-1, 0, 1, 10]);
});

test('colours get their opacity baked in for canvas drawing', () => {
  assert.equal(withAlpha('#3794ff', 0.5), 'rgba(55, 148, 255, 0.5)');
  assert.equal(withAlpha('#fff8', 1), 'rgba(255, 255, 255, 0.533)');
  assert.equal(withAlpha('rgba(10, 20, 30, 0.5)', 0.5), 'rgba(10, 20, 30, 0.25)');
  assert.equal(withAlpha('var(--x)', 0.5), 'var(--x)');
  assert.deepEqual(parseColor('rgb(1 2 3 / 50%)'), [1, 2, 3, 0.5]);
});

const theme = { background: '#1e1e1e', foreground: '#cccccc', grid: '#444', fontFamily: 'sans-serif', fontSize: 12, palette: ['#3794ff', '#f14c4c', '#89d185', '#cca700'] };

test('SVG export draws each visible series as a path, each band as a polygon, and escapes text', () => {
  const run = fixtureChartRun({}, 'loss=<dcl> & co');
  const spec = lossChartSpec([run, fixtureChartRun({ seed: 9 }, 'b')], { xAxis: 'step', smoothing: 0.6, logY: false, buckets: 500 });
  const svg = chartSvg(spec, theme, { width: 800, height: 400 }, dataView(spec));
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.equal((svg.match(/<path /g) ?? []).length, 4);
  assert.ok(svg.includes('loss=&lt;dcl&gt; &amp; co'));
  assert.ok(!svg.includes('NaN'), 'no NaN coordinates');
  const bands = npcBandsSpec([run], { xAxis: 'step', buckets: 500 });
  const bandSvg = chartSvg(bands, theme, { width: 800, height: 400 }, dataView(bands));
  assert.equal((bandSvg.match(/<polygon /g) ?? []).length, 4);
  assert.ok(bandSvg.includes('>Cv<'), 'right axis label');
  assert.ok(!bandSvg.includes('NaN'));
});

test('SVG export on a log axis places decades, not linear ticks', () => {
  const spec = lossChartSpec([fixtureChartRun({ loss: 'infonce' })], { xAxis: 'step', smoothing: 0, logY: true, buckets: 500 });
  const svg = chartSvg(spec, theme, { width: 600, height: 300 }, { x: [0, 400], y: [1, 10] });
  assert.ok(svg.includes('>1<') && svg.includes('>10<') && svg.includes('>2<') && svg.includes('>5<'));
});
