/** Small tmpfs mounts for the disk-full tests (they mount only where the test runs as root on Linux). */
import { spawnSync } from 'node:child_process';
import { tempDir } from './runs';

/** Why this machine cannot mount a small tmpfs (not root, not Linux, a container without the right), if so. */
export function whyNoTmpfs(): string | undefined {
  if (process.platform !== 'linux') return 'tmpfs is Linux-only';
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  const probe = tempDir('dcl-tmpfs-probe-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { encoding: 'utf8' });
  if (r.status !== 0) return `cannot mount a tmpfs here (${(r.stderr || String(r.error)).trim()})`;
  spawnSync('umount', [probe]);
  return undefined;
}
