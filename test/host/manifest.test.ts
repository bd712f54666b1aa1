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
import { RUN_CONFIG_SPEC } from '../../src/host/config/resolveRunConfig';
import { DEFAULT_RUN_CONFIG } from '../../src/shared/runConfig';
import {
  BACKEND_PREFERENCES,
  DATASET_KINDS,
  ENCODER_KINDS,
  LOSS_KINDS,
  OPTIMIZER_KINDS,
  SCHEDULES,
  type RunState,
} from '../../src/shared/protocol';
import { EMBEDDING_LAYERS } from '../../src/shared/embeddingFiles';
import { CONFIG_FLAGS } from '../../src/cli/trainFlags';
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
    configuration: { properties: Record<string, { default?: unknown; enum?: string[]; enumDescriptions?: string[]; markdownDescription?: string }> };
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

describe('config schema', () => {
  it('has exactly the fields the host validates, with loss required and no others allowed', () => {
    assert.deepEqual(Object.keys(schema.properties).filter((k) => k !== '$schema').sort(), Object.keys(RUN_CONFIG_SPEC).sort());
    assert.deepEqual(Object.keys(schema.properties.optimizer.properties).sort(), Object.keys(DEFAULT_RUN_CONFIG.optimizer).sort());
    assert.deepEqual(Object.keys(schema.properties.knn.properties).sort(), Object.keys(DEFAULT_RUN_CONFIG.knn).sort());
    assert.deepEqual(Object.keys(schema.properties.embeddings.properties).sort(), Object.keys(DEFAULT_RUN_CONFIG.embeddings).sort());
    assert.deepEqual(schema.required, ['loss']);
    assert.equal(schema.additionalProperties, false);
    assert.equal(schema.properties.optimizer.additionalProperties, false);
    assert.equal(schema.properties.knn.additionalProperties, false);
  });

  it("the CLI's help names the shared choices and the trainer's defaults", () => {
    assert.equal(CONFIG_FLAGS.loss.help, `${LOSS_KINDS.join(' | ')} (default ${DEFAULT_RUN_CONFIG.loss})`);
    assert.equal(CONFIG_FLAGS.encoder.help, `${ENCODER_KINDS.join(' | ')} (default ${DEFAULT_RUN_CONFIG.encoder})`);
    assert.equal(CONFIG_FLAGS.optimizer.help, `${OPTIMIZER_KINDS.join(' | ')} (default ${DEFAULT_RUN_CONFIG.optimizer.kind})`);
    assert.match(CONFIG_FLAGS.backend.help, new RegExp(`^${BACKEND_PREFERENCES.join(' \\| ')} \\(default ${DEFAULT_RUN_CONFIG.backend}\\)$`));
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

  it('is contributed for *.dclrun.json files', () => {
    assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: '*.dclrun.json', url: './schemas/dclrun.schema.json' }]);
  });
});

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
