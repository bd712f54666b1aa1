/**
 * Starts the real single-node Slurm of cluster.sh for a test file and tears it down after. Where the
 * Slurm packages cannot be installed (not Linux, not root, no apt) `startCluster` resolves with the reason
 * to skip; once they are installed, a cluster that does not come up is a failure (with its logs).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';

export interface TestCluster {
  /** Path of slurm.conf; also set as process.env.SLURM_CONF while the cluster runs. */
  conf: string;
  dir: string;
  /** Environment for child processes (CLI runs) that talk to this cluster. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const SCRIPT = path.join(repoRoot(), 'test', 'slurm', 'cluster.sh');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Why the Slurm tests cannot run here, or undefined when the packages are (now) installed. */
export function slurmUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `the Slurm tests need Linux (this is ${process.platform})`;
  // slurmd and munged of the test cluster run as root / munge: only root can start them.
  if (process.getuid?.() !== 0) return 'the Slurm tests start slurmctld, slurmd and munged and need root; run them as root (as CI does)';
  const r = spawnSync('bash', [SCRIPT, 'install'], { encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0) return undefined;
  return `Slurm is not installed and cannot be installed here (${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}); install slurmctld slurmd slurm-client munge as root to run these tests`;
}

export async function startCluster(): Promise<TestCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-slurm-'));
  const [ctld, slurmd] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn('bash', [SCRIPT, 'run', dir], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, SLURM_TEST_CTLD_PORT: String(ctld), SLURM_TEST_SLURMD_PORT: String(slurmd) },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const conf = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the test Slurm cluster did not start within 60 s: ${stderr.trim()} (logs in ${dir}/log)`)), 60_000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /^SLURM_CONF=(.+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].trim());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cluster.sh exited with code ${code} before the cluster was up: ${stderr.trim()} (logs in ${dir}/log)`));
    });
  });
  const previous = process.env.SLURM_CONF;
  process.env.SLURM_CONF = conf;
  return {
    conf,
    dir,
    env: { ...process.env, SLURM_CONF: conf },
    async stop() {
      // Closing stdin ends cluster.sh's wait; its EXIT trap cancels jobs and stops the daemons by pid.
      child.stdin?.end();
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(killTimer);
      if (previous === undefined) delete process.env.SLURM_CONF;
      else process.env.SLURM_CONF = previous;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
