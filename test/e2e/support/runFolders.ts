/** The run folders the extension wrote in the test workspace, read straight from disk to check the UI. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEventLines } from '../../../src/shared/eventLog';
import { RUN_FILES, type RunConfig, type RunEvent, type RunStatus } from '../../../src/shared/protocol';

export interface RunOnDisk {
  dir: string;
  runId: string;
  config: RunConfig;
  status: RunStatus;
  events: RunEvent[];
}

export function readRun(dir: string): RunOnDisk {
  const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
  return {
    dir,
    runId: path.basename(dir),
    config: JSON.parse(read(RUN_FILES.config)) as RunConfig,
    status: JSON.parse(read(RUN_FILES.status)) as RunStatus,
    events: fs.existsSync(path.join(dir, RUN_FILES.metrics)) ? parseEventLines(read(RUN_FILES.metrics)).events : [],
  };
}

/** Run folders under `runsDir`, oldest first (their names start with the start time). */
export function runDirs(runsDir: string): string[] {
  if (!fs.existsSync(runsDir)) return [];
  return fs
    .readdirSync(runsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(runsDir, e.name, RUN_FILES.config)))
    .map((e) => path.join(runsDir, e.name))
    .sort();
}

export function eventsOf<T extends RunEvent['type']>(run: RunOnDisk, type: T): Extract<RunEvent, { type: T }>[] {
  return run.events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
}

/** The label of test-split sample `testIndex`, from any embedding snapshot that holds it. */
export function testLabel(runDir: string, testIndex: number): number | undefined {
  const dir = path.join(runDir, RUN_FILES.embeddings);
  if (!fs.existsSync(dir)) return undefined;
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('-indices.i32'))) {
    const indices = new Int32Array(new Uint8Array(fs.readFileSync(path.join(dir, name))).buffer);
    const labels = new Int32Array(new Uint8Array(fs.readFileSync(path.join(dir, name.replace(/-indices\.i32$/, '-labels.i32')))).buffer);
    const at = indices.indexOf(testIndex);
    if (at >= 0) return labels[at];
  }
  return undefined;
}
