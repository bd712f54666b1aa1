/**
 * Finds (installing once per machine) code-server and Chromium for the end-to-end suite, through
 * scripts/e2e/install-code-server.sh — the single place that knows how. When they cannot be had, the
 * suite fails under CI (a CI run that silently skipped its browser tests would look green) and is skipped
 * with the reason elsewhere, like the @vscode/test-electron layer on machines without VS Code.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../helpers/paths';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export type E2eTools = { ok: true; codeServerEntry: string } | { ok: false; reason: string };

/** CI=true (GitHub Actions, GitLab, most runners) or DCL_E2E_REQUIRE=1: missing tools are a failure. */
export function toolsRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  const truthy = (v: string | undefined) => v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
  return truthy(env.CI) || truthy(env.DCL_E2E_REQUIRE);
}

export function ensureE2eTools(): E2eTools {
  const script = path.join(repoRoot(), 'scripts', 'e2e', 'install-code-server.sh');
  // Its progress goes to stderr (shown as it happens); stdout's last line is the entry script.
  const result = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.error) return { ok: false, reason: `cannot run ${script}: ${result.error.message}` };
  if (result.status !== 0) return { ok: false, reason: `${path.relative(repoRoot(), script)} exited with ${result.status} (its message is above)` };
  const entry = result.stdout.trim().split('\n').pop() ?? '';
  if (!fs.existsSync(entry)) return { ok: false, reason: `the install script printed "${entry}", which does not exist` };
  if (!fs.existsSync(CHROMIUM_PATH)) return { ok: false, reason: `Chromium is missing at ${CHROMIUM_PATH}` };
  return { ok: true, codeServerEntry: entry };
}

/** `skip` for node:test: false when the tools are there; throws when they are required but missing. */
export function skipUnlessTools(tools: E2eTools): false | string {
  if (tools.ok) return false;
  if (toolsRequired()) throw new Error(`end-to-end tools unavailable under CI: ${tools.reason}`);
  const why = `skipped: ${tools.reason} (set CI=true or DCL_E2E_REQUIRE=1 to make this a failure)`;
  console.log(why);
  return why;
}
