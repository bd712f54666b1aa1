/**
 * Keeps the hand-written parts of the manifest and the config schema in step with the code: settings and
 * their defaults, schema fields and enums, menus and the commands behind them, and the layering rules
 * (the host never imports the trainer; the testable core never imports vscode).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';
import { DEFAULT_HOST_SETTINGS, SETTING_KEYS } from '../../src/host/config/hostSettings';
import { resolveRunConfig } from '../../src/host/config/resolveRunConfig';
import { DEFAULT_RUN_CONFIG, resolveConfig } from '../../src/shared/runConfig';
import { allowedKeys, CONFIG_FIELDS, CONFIG_PATHS, groupOf, isGroup, type ConfigPath, type FieldRule, type NumberRule } from '../../src/shared/configFields';
import { RUN_CONFIG_SCHEMA_TEXT } from '../../src/shared/configSchema';
import {
  BACKEND_PREFERENCES,
  DATASET_KINDS,
  ENCODER_KINDS,
  FOLDER_DATASETS,
  LOSS_KINDS,
  OPTIMIZER_KINDS,
  SCHEDULES,
  type RunState,
} from '../../src/shared/protocol';
import { EMBEDDING_LAYERS } from '../../src/shared/embeddingFiles';
import { CONFIG_FLAGS, defaultText, flagHelp } from '../../src/cli/trainFlags';
import { TRAIN_HELP } from '../../src/cli/trainCommand';
import { RESUMABLE_STATES } from '../../src/host/runs/resumeCheck';

const root = repoRoot();
/** The parts of a JSON schema these checks read (a missing part fails the test that reads it). */
interface JsonSchema {
  type: string;
  default: unknown;
  enum: unknown[];
  properties: Record<string, JsonSchema>;
  required: string[];
  additionalProperties: boolean;
  items: JsonSchema;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
}
/** The parts of package.json these checks read. */
interface PackageJson {
  icon: string;
  scripts: Record<string, string>;
  activationEvents: string[];
  extensionKind: string[];
  capabilities: { untrustedWorkspaces: { supported: string | boolean; restrictedConfigurations: string[] } };
  contributes: {
    commands: { command: string; title: string; category?: string; icon?: unknown; enablement?: string }[];
    menus: Record<string, MenuItem[]>;
    configuration: {
      properties: Record<string, { type?: string; default?: unknown; enum?: string[]; enumDescriptions?: string[]; markdownDescription?: string; minimum?: number; exclusiveMinimum?: number; maximum?: number }>;
    };
    viewsContainers: { activitybar: { id: string; icon: string }[] };
    views: Record<string, { id: string }[]>;
    jsonValidation: { fileMatch: string | string[]; url: string }[];
    walkthroughs: unknown[];
  };
}

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
const schema = JSON.parse(fs.readFileSync(path.join(root, 'schemas', 'dclrun.schema.json'), 'utf8')) as JsonSchema;

interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Evaluates a `viewItem =~ /re/` clause of a when-expression against a context value. */
function viewItemMatches(when: string, contextValue: string): boolean {
  const m = /viewItem =~ \/(.+?)\/(?:\s|$)/.exec(when);
  assert.ok(m, `no viewItem regex in "${when}"`);
  return new RegExp(m[1]).test(contextValue);
}

describe('config schema, CLI flags and host checks, all from the field table', () => {
  it('the schema file is exactly what the field table generates (run "node scripts/generate-schema.mjs" after changing the table)', () => {
    const onDisk = fs.readFileSync(path.join(root, 'schemas', 'dclrun.schema.json'), 'utf8');
    assert.ok(onDisk === RUN_CONFIG_SCHEMA_TEXT, 'schemas/dclrun.schema.json differs from src/shared/configFields.ts: run "node scripts/generate-schema.mjs"');
  });

  it('has exactly the fields the host validates, with loss required and no others allowed', () => {
    assert.deepEqual(Object.keys(schema.properties).filter((k) => k !== '$schema'), allowedKeys());
    for (const group of allowedKeys().filter(isGroup)) {
      assert.deepEqual(Object.keys(schema.properties[group].properties), allowedKeys(group), group);
      assert.deepEqual(Object.keys(schema.properties[group].properties).sort(), Object.keys((DEFAULT_RUN_CONFIG as unknown as Record<string, object>)[group]).sort(), group);
      assert.equal(schema.properties[group].additionalProperties, false);
    }
    assert.deepEqual(schema.required, ['loss']);
    assert.equal(schema.additionalProperties, false);
  });

  it('lists the same choices as the protocol and the same defaults as the trainer', () => {
    assert.deepEqual(schema.properties.loss.enum, LOSS_KINDS);
    assert.deepEqual(schema.properties.dataset.enum, DATASET_KINDS);
    assert.deepEqual(schema.properties.encoder.enum, ENCODER_KINDS);
    assert.deepEqual(schema.properties.backend.enum, BACKEND_PREFERENCES);
    assert.deepEqual(schema.properties.optimizer.properties.kind.enum, OPTIMIZER_KINDS);
    assert.deepEqual(schema.properties.optimizer.properties.schedule.enum, SCHEDULES);
    assert.deepEqual(schema.properties.embeddings.properties.layers.items.enum, EMBEDDING_LAYERS);
    for (const [key, value] of Object.entries(DEFAULT_RUN_CONFIG) as [string, unknown][]) {
      if (key === 'loss') continue; // required, so no default
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value)) assert.deepEqual(schema.properties[key].properties[k].default, v, `${key}.${k}`);
      } else {
        assert.deepEqual(schema.properties[key].default, value, key);
      }
    }
  });

  it('bounds every number to what float32 training can use, in the schema too', () => {
    for (const p of CONFIG_PATHS) {
      const rule = CONFIG_FIELDS[p].rule;
      const numeric = rule.type === 'number' ? rule : rule.type === 'list' && rule.item.type === 'number' ? rule.item : undefined;
      if (!numeric) continue;
      assert.ok(Number.isFinite(numeric.max) && numeric.max <= 4_294_967_295, `${p} needs a finite maximum`);
      const group = groupOf(p);
      const prop = group ? schema.properties[group].properties[p.slice(group.length + 1)] : schema.properties[p];
      const bounds = rule.type === 'list' ? prop.items : prop;
      assert.equal(bounds.maximum, numeric.max, `${p} maximum in the schema`);
      assert.equal(bounds.minimum ?? bounds.exclusiveMinimum, numeric.min, `${p} minimum in the schema`);
    }
    // 1/τ, 1/σ, 1/t stay far inside float32 (max 3.4e38), the kNN weights exp((s − 1)/t) stay above 0 for s > 0.2.
    for (const p of ['temperature', 'sigma', 'knn.t'] as const) {
      const rule = CONFIG_FIELDS[p].rule as NumberRule;
      assert.ok(Math.fround(1 / rule.min) < 1e4, p);
    }
    assert.ok(Math.fround(Math.exp(-0.8 / (CONFIG_FIELDS['knn.t'].rule as NumberRule).min)) > 0);
  });

  it("the CLI's flags and help come from the table: choices, limits and default of each field", () => {
    for (const p of CONFIG_PATHS) {
      const field = CONFIG_FIELDS[p];
      if (!field.flag) continue;
      const spec = CONFIG_FLAGS[field.flag.name];
      assert.ok(spec, `--${field.flag.name} for ${p}`);
      assert.equal(spec.help, flagHelp(field), p);
      assert.ok(TRAIN_HELP.includes(spec.help), `train --help shows --${field.flag.name}`);
      const { rule } = field;
      if (rule.type === 'choice') assert.ok(spec.help.startsWith(rule.values.join(' | ')), p);
      if (rule.type === 'number') assert.ok(spec.help.includes(`${rule.min} to ${rule.max}`), `${p} help names its limits: ${spec.help}`);
      if (field.default !== undefined && rule.type !== 'boolean') assert.ok(spec.help.includes(`default ${defaultText(field.default)}`), `${p} help names its default: ${spec.help}`);
    }
    assert.equal(CONFIG_FLAGS.loss.help, `${LOSS_KINDS.join(' | ')} (default ${DEFAULT_RUN_CONFIG.loss})`);
    assert.equal(CONFIG_FLAGS.optimizer.help, `${OPTIMIZER_KINDS.join(' | ')} (default ${DEFAULT_RUN_CONFIG.optimizer.kind})`);
  });

  it('the host, the trainer and the CLI accept and refuse the same values at every limit of every field', () => {
    for (const p of CONFIG_PATHS) {
      const { good, bad } = probes(CONFIG_FIELDS[p].rule);
      const group = groupOf(p);
      // A folder dataset, as dataDir and testDir are only read by those (a cross-field rule tested in test/config.test.ts).
      const base = { loss: 'dcl', dataset: p === 'testDir' ? 'imagefolder' : 'stl10', dataDir: '/data' };
      const withValue = (v: unknown) => {
        if (group) return { ...base, [group]: { [p.slice(group.length + 1)]: v } };
        const config: Record<string, unknown> = { ...base, [p]: v };
        if (p === 'dataset' && !(FOLDER_DATASETS as readonly unknown[]).includes(v)) delete config.dataDir;
        return config;
      };
      for (const v of good) {
        assert.equal(resolveRunConfig(withValue(v), DEFAULT_RUN_CONFIG).ok, true, `host accepts ${p} = ${JSON.stringify(v)}`);
        assert.doesNotThrow(() => resolveConfig(withValue(v)), `trainer accepts ${p} = ${JSON.stringify(v)}`);
      }
      for (const v of bad) {
        const host = resolveRunConfig(withValue(v), DEFAULT_RUN_CONFIG);
        assert.equal(host.ok, false, `host refuses ${p} = ${JSON.stringify(v)?.slice(0, 40)}`);
        assert.match(host.ok ? '' : host.problems[0], new RegExp(`^${p.replace('.', '\\.')} `), `the host names ${p}`);
        assert.throws(() => resolveConfig(withValue(v)), (e: Error) => e.message.startsWith(`invalid run config: ${p} `), `trainer refuses ${p}`);
      }
    }
  });

  it('is contributed for *.dclrun.json files', () => {
    assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: '*.dclrun.json', url: './schemas/dclrun.schema.json' }]);
  });
});

/** Values just inside and just outside a rule's limits. */
function probes(rule: FieldRule): { good: unknown[]; bad: unknown[] } {
  switch (rule.type) {
    case 'number': {
      const below = rule.min > 0 ? rule.min / 2 : rule.min - 1;
      const bad: unknown[] = [below, rule.max * 2, 'x', null];
      if (rule.integer) bad.push(rule.min + 0.5);
      return { good: rule.exclusiveMin ? [rule.max] : [rule.min, rule.max], bad };
    }
    case 'choice':
      return { good: [...rule.values], bad: ['not-a-choice', 1] };
    case 'boolean':
      return { good: [true, false], bad: ['yes', 1] };
    case 'string':
      return { good: ['x'.repeat(Math.max(rule.minLength, 1)), 'x'.repeat(rule.maxLength)], bad: ['x'.repeat(rule.maxLength + 1), 42, ...(rule.minLength ? [' '] : [])] };
    case 'list': {
      const item = probes(rule.item);
      return {
        good: [item.good.slice(0, rule.maxItems)],
        bad: [Array<unknown>(rule.maxItems + 1).fill(item.good[0]), [item.bad[0]], 'x', ...(rule.minItems ? [[]] : [])],
      };
    }
  }
}

describe('package.json contributions', () => {
  it('declares every setting with the defaults the code uses', () => {
    const props = pkg.contributes.configuration.properties;
    const expectedKeys = Object.values(SETTING_KEYS).map((s) => `dclExplorer.${s.key}`).sort();
    assert.deepEqual(Object.keys(props).sort(), expectedKeys);
    for (const [field, { key }] of Object.entries(SETTING_KEYS)) {
      assert.deepEqual(props[`dclExplorer.${key}`].default, DEFAULT_HOST_SETTINGS[field as keyof typeof DEFAULT_HOST_SETTINGS], key);
      assert.ok(props[`dclExplorer.${key}`].markdownDescription, `${key} needs a description`);
    }
    assert.deepEqual(props['dclExplorer.loss'].enum, LOSS_KINDS);
    assert.deepEqual(props['dclExplorer.encoder'].enum, ENCODER_KINDS);
    assert.deepEqual(props['dclExplorer.backend'].enum, BACKEND_PREFERENCES);
  });

  it('settings that default a config field carry its limits from the field table', () => {
    const props = pkg.contributes.configuration.properties;
    let checked = 0;
    for (const { key } of Object.values(SETTING_KEYS)) {
      const path = (key === 'runsDirectory' ? 'runsDir' : key) as ConfigPath;
      if (!Object.hasOwn(CONFIG_FIELDS, path)) continue;
      const { rule } = CONFIG_FIELDS[path];
      const prop = props[`dclExplorer.${key}`];
      if (rule.type === 'number') {
        assert.equal(prop.type, rule.integer ? 'integer' : 'number', key);
        assert.equal(rule.exclusiveMin ? prop.exclusiveMinimum : prop.minimum, rule.min, `${key} minimum`);
        assert.equal(prop.maximum, rule.max, `${key} maximum`);
      }
      if (rule.type === 'choice') assert.deepEqual(prop.enum, rule.values, key);
      // Written by scripts/generate-schema.mjs, as the schema is.
      if (rule.type === 'choice' && rule.descriptions) assert.deepEqual(prop.enumDescriptions, rule.values.map((v) => rule.descriptions?.[v]), `${key} enumDescriptions (run "node scripts/generate-schema.mjs")`);
      checked++;
    }
    assert.ok(checked >= 8, `${checked} settings are config fields`);
  });

  it('registers every contributed command (the charts/compare/projection ones belong to other modules)', () => {
    const external = new Set(['dclExplorer.openCharts', 'dclExplorer.compareRuns', 'dclExplorer.openProjection', 'dclExplorer.exportEmbeddings']);
    const mine = [path.join(root, 'src', 'extension.ts'), ...sourceFiles(path.join(root, 'src', 'host', 'vscode'))].map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    for (const { command } of pkg.contributes.commands as { command: string }[]) {
      const registered = mine.includes(`registerCommand('${command}'`);
      if (external.has(command)) assert.equal(registered, false, `${command} is registered by another module`);
      else assert.equal(registered, true, `${command} is contributed but never registered`);
    }
  });

  it('puts only declared commands in menus, with a Start run command in the palette', () => {
    const declared = new Set((pkg.contributes.commands as { command: string }[]).map((c) => c.command));
    for (const [menu, items] of Object.entries(pkg.contributes.menus)) {
      for (const item of items) assert.ok(declared.has(item.command), `${menu} uses undeclared ${item.command}`);
    }
    const start = (pkg.contributes.commands as { command: string; title: string; category: string }[]).find((c) => c.command === 'dclExplorer.startRun');
    assert.deepEqual(start && [start.title, start.category], ['Start DCL run', 'DCL']);
  });

  it('shows each run action for the right states', () => {
    const items = pkg.contributes.menus['view/item/context'];
    const shownFor = (command: string, group?: string): RunState[] => {
      const states: RunState[] = ['queued', 'running', 'finished', 'stopped', 'failed', 'interrupted'];
      const item = items.find((i) => i.command === command && (group === undefined || i.group?.startsWith(group)));
      assert.ok(item, `${command} is not in the Runs context menu`);
      return states.filter((s) => viewItemMatches(item.when ?? '', `dclRun.${s}`));
    };
    assert.deepEqual(shownFor('dclExplorer.stopRun', 'inline'), ['queued', 'running']);
    assert.deepEqual(shownFor('dclExplorer.deleteRun'), ['finished', 'stopped', 'failed', 'interrupted']);
    // Resume continues from a checkpoint: not a run still going, nor one with nothing left to train.
    assert.deepEqual(shownFor('dclExplorer.resumeRun', '2_run'), ['stopped', 'failed', 'interrupted']);
    assert.deepEqual(new Set(shownFor('dclExplorer.resumeRun', 'inline')), new Set(RESUMABLE_STATES), 'the menu and the command agree');
    for (const c of ['dclExplorer.openCharts', 'dclExplorer.compareRuns', 'dclExplorer.openProjection', 'dclExplorer.exportEmbeddings', 'dclExplorer.rerun', 'dclExplorer.rerunWithChanges', 'dclExplorer.revealRun']) {
      assert.equal(shownFor(c).length, 6, `${c} applies to every run`);
    }
    assert.equal(viewItemMatches(items[0].when ?? '', 'dclRunGroup'), false, 'group headers get no run actions');
  });

  it('contributes the view container with an icon, the Runs view, lazy activation and trust limits', () => {
    const container = pkg.contributes.viewsContainers.activitybar[0];
    assert.equal(container.id, 'dclExplorer');
    assert.ok(fs.existsSync(path.join(root, container.icon)), `${container.icon} is missing`);
    assert.equal(pkg.contributes.views.dclExplorer[0].id, 'dclExplorer.runs');
    // Activation events cannot read settings, so a custom dclExplorer.runsDirectory is followed through the
    // Runs view: the default folder activates on open, any other once the view is shown (onView, which VS Code
    // also implies for contributed views; listed so the reason is written down), and every command activates it.
    assert.deepEqual(pkg.activationEvents, ['workspaceContains:.dcl/runs', 'onView:dclExplorer.runs', 'onWebviewPanel:dclExplorer.charts', 'onWebviewPanel:dclExplorer.projection']);
    assert.equal(pkg.contributes.configuration.properties['dclExplorer.runsDirectory'].default, '.dcl/runs', 'the workspaceContains event names the default runs folder');
    assert.deepEqual(pkg.extensionKind, ['workspace']);
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('dclExplorer.nodePath'));
  });
});

describe('marketplace finish: icon, walkthrough, prepublish', () => {
  interface WalkthroughStep {
    id: string;
    description: string;
    media: { markdown?: string; image?: Record<string, string>; altText?: string };
    completionEvents: string[];
  }
  const manifest = pkg as unknown as {
    icon: string;
    scripts: Record<string, string>;
    contributes: { commands: { command: string }[]; walkthroughs: { id: string; steps: WalkthroughStep[] }[] };
  };

  it('the icon is a 128×128 PNG', () => {
    const png = fs.readFileSync(path.join(root, manifest.icon));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.equal(png.readUInt32BE(16), 128, 'width');
    assert.equal(png.readUInt32BE(20), 128, 'height');
  });

  it('the Getting Started walkthrough has four steps, each with a description, media that exists and a command that completes it', () => {
    const [walkthrough] = manifest.contributes.walkthroughs;
    assert.equal(walkthrough.id, 'dclExplorer.gettingStarted');
    const commands = new Set(manifest.contributes.commands.map((c) => c.command));
    const steps = walkthrough.steps;
    assert.deepEqual(steps.map((s) => s.id), ['startRun', 'openCharts', 'compareLosses', 'openProjection']);
    for (const step of steps) {
      const media = step.media.markdown ? [step.media.markdown] : Object.values(step.media.image ?? {});
      assert.ok(media.length > 0, `${step.id} has media`);
      for (const file of media) assert.ok(fs.existsSync(path.join(root, file)), `${step.id}: ${file} is missing`);
      if (step.media.image) assert.ok(step.media.altText, `${step.id}: an image needs altText`);
      const [event] = step.completionEvents;
      const command = event.replace(/^onCommand:/, '');
      assert.ok(event.startsWith('onCommand:') && commands.has(command), `${step.id} completes on a contributed command (${event})`);
      assert.ok(step.description.includes(`(command:${command})`), `${step.id}'s description has the button that completes it`);
    }
  });

  it('vsce package builds first (vscode:prepublish), and npm run package does not build a second time', () => {
    assert.equal(manifest.scripts['vscode:prepublish'], 'node scripts/prepublish.mjs');
    assert.ok(!/build/.test(manifest.scripts.package), manifest.scripts.package);
    assert.ok(!/build/.test(manifest.scripts['package:platforms']), manifest.scripts['package:platforms']);
    assert.match(fs.readFileSync(path.join(root, 'scripts/prepublish.mjs'), 'utf8'), /build\.mjs/);
  });
});

describe('README as the marketplace page', () => {
  // `vsce package` refuses a README with relative links when package.json names no repository, which
  // stops the .vsix (and the e2e layer) from being built at all; the unit suite catches it in seconds.
  it('has no relative links or images', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const targets = [...readme.matchAll(/!?\[[^\]]*\]\(([^)\s]+)[^)]*\)/g)].map((m) => m[1]);
    const relative = targets.filter((t) => !/^(https?:|mailto:|#)/.test(t));
    assert.deepEqual(relative, [], `relative links in README.md: ${relative.join(', ')}`);
  });
});

describe('layering', () => {
  const hostFiles = [path.join(root, 'src', 'extension.ts'), ...sourceFiles(path.join(root, 'src', 'host'))];

  it('the extension host never imports the trainer or TensorFlow.js', () => {
    for (const file of hostFiles) {
      const text = fs.readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /from '[^']*\/trainer\//, `${file} imports from src/trainer`);
      assert.doesNotMatch(text, /from '@tensorflow\//, `${file} imports TensorFlow.js`);
    }
  });

  it('the unit-tested core (config, datasets, flow, runs, util) does not import vscode', () => {
    for (const dir of ['config', 'datasets', 'flow', 'runs', 'util']) {
      for (const file of sourceFiles(path.join(root, 'src', 'host', dir))) {
        assert.doesNotMatch(fs.readFileSync(file, 'utf8'), /from 'vscode'/, `${file} imports vscode`);
      }
    }
  });
});
