/** Whether a pid recorded in a run folder (status.json, a checkpoint's temporary copy) names a live process. */
export function isPidAlive(pid: number | undefined): boolean {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else (still alive).
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
