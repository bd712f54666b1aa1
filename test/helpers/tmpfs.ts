/** Small tmpfs mounts for the disk-full tests (they mount only where the test runs as root on Linux). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
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

/** Fills a small mount page by page until the disk is full (the write that fails must fail with ENOSPC); returns the filler file. */
export function fillDisk(mountPoint: string, page: number): string {
  const filler = path.join(mountPoint, 'filler');
  const fd = fs.openSync(filler, 'w');
  try {
    for (;;) fs.writeSync(fd, Buffer.alloc(page));
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}
