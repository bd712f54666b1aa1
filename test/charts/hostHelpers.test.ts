import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { runDirsFromArgs as runDirsFromCommandArgs } from '../../src/host/runs/runArgs';
import { safeFileName } from '../../src/host/charts/fileNames';
import { listRuns, readRunInfo } from '../../src/host/charts/runFolders';
import { contentSecurityPolicy, makeNonce, webviewHtml } from '../../src/host/charts/webviewHtml';
import { fixture } from '../helpers/paths';
import { CHARTS_FIXTURE, writeFixtureRun } from './fixtureRun';

test('command arguments: tree items, paths, Uris and multi-selections all name run folders', () => {
  assert.deepEqual(runDirsFromCommandArgs([]), []);
  assert.deepEqual(runDirsFromCommandArgs(['/runs/a']), ['/runs/a']);
  assert.deepEqual(runDirsFromCommandArgs([{ runDir: '/runs/a', label: 'x' }]), ['/runs/a']);
  assert.deepEqual(runDirsFromCommandArgs([{ fsPath: '/runs/u', scheme: 'file' }]), ['/runs/u']);
  assert.deepEqual(runDirsFromCommandArgs([{ fsPath: '/remote', scheme: 'vscode-remote' }]), []);
  // VS Code passes (clicked, selection) for a multi-selection; the selection includes the clicked item.
  assert.deepEqual(runDirsFromCommandArgs([{ runDir: '/b' }, [{ runDir: '/a' }, { runDir: '/b' }]]), ['/a', '/b']);
  // A single click passes (clicked, [clicked]) or (clicked, []).
  assert.deepEqual(runDirsFromCommandArgs([{ runDir: '/b' }, []]), ['/b']);
  assert.deepEqual(runDirsFromCommandArgs([['/a', '/b', '/a']]), ['/a', '/b']);
  assert.deepEqual(runDirsFromCommandArgs([42, { other: true }]), []);
});

test('the CSP is strict: nonce-only scripts, no eval, no inline styles without the nonce, nothing fetched', () => {
  const csp = contentSecurityPolicy('https://src.test', 'N0nce');
  assert.equal(
    csp,
    "default-src 'none'; img-src https://src.test data:; style-src https://src.test 'nonce-N0nce'; script-src 'nonce-N0nce'; font-src https://src.test;",
  );
  assert.ok(!/unsafe-(eval|inline)/.test(csp));
});

test('the HTML loads every script with the nonce, in order, and has no inline script', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9+/=]{24}$/);
  const html = webviewHtml({ title: 'Charts: <run>', cspSource: 'https://src.test', nonce, scriptUris: ['https://src.test/a.js', 'https://src.test/b.js?x=1&y=2'], styleUris: ['https://src.test/c.css'] });
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 2);
  for (const [, attrs, body] of scripts) {
    assert.ok(attrs.includes(`nonce="${nonce}"`));
    assert.equal(body.trim(), '', 'no inline code');
  }
  assert.ok(html.indexOf('a.js') < html.indexOf('b.js'));
  assert.ok(html.includes('b.js?x=1&amp;y=2'));
  assert.ok(html.includes('<title>Charts: &lt;run&gt;</title>'));
  assert.ok(html.includes('<link rel="stylesheet" href="https://src.test/c.css">'));
  // The controls need no published nonce (constructable stylesheets) and the policy allows nothing inline.
  assert.ok(!html.includes('csp-nonce'));
  assert.ok(!html.includes('unsafe-inline'));
  assert.ok(!/\sstyle=/.test(html), 'no inline style attributes');
});

test('run folders are found by their config.json, newest first, with config and status read', async () => {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-charts-runs-'));
  try {
    writeFixtureRun(path.join(runsDir, 'older'), { ...CHARTS_FIXTURE, startTime: '2026-01-01T00:00:00.000Z' });
    writeFixtureRun(path.join(runsDir, 'newer'), { ...CHARTS_FIXTURE, startTime: '2026-02-01T00:00:00.000Z', loss: 'infonce' });
    fs.mkdirSync(path.join(runsDir, 'not-a-run'));
    fs.writeFileSync(path.join(runsDir, 'stray.txt'), '');
    const runs = await listRuns(runsDir);
    assert.deepEqual(runs.map((r) => r.runId), ['newer', 'older']);
    assert.equal(runs[0].config?.loss, 'infonce');
    assert.equal(runs[0].status?.state, 'finished');
    assert.deepEqual(await listRuns(path.join(runsDir, 'missing')), []);
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
});

test('a run folder with a broken config still opens, labelled by its id', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-charts-broken-'));
  try {
    fs.writeFileSync(path.join(dir, 'config.json'), '{ nope');
    const info = await readRunInfo(dir);
    assert.equal(info.config, null);
    assert.equal(info.status, null);
    assert.equal(info.runId, path.basename(dir));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the committed fixture folder is a run folder', async () => {
  const info = await readRunInfo(fixture('charts-run'));
  assert.equal(info.config?.loss, 'dcl');
  assert.equal(info.status?.state, 'finished');
});

test('suggested export names cannot escape the chosen folder and get their extension', () => {
  assert.equal(safeFileName('loss-run1.png', 'png'), 'loss-run1.png');
  assert.equal(safeFileName('../../etc/passwd', 'csv'), '_.._etc_passwd.csv');
  assert.equal(safeFileName('a:b*c', 'svg'), 'a_b_c.svg');
  assert.equal(safeFileName('', 'md'), 'chart.md');
});
