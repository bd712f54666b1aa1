/**
 * Compiles fast_kernels.c into a Node-API addon with the machine's C compiler, once per source, compiler
 * and CPU, into a cache folder.
 *
 * Compiled here rather than shipped: the kernels are built with -march=native for the CPU that runs them
 * (AVX-512 on one machine, AVX2 or NEON on another), and nothing is downloaded, so it works offline and
 * in a .vsix. The CPU's identity is part of the cache key because a home folder shared by cluster nodes
 * with different CPUs must not hand one node's build to another (it would die of an illegal instruction).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

export const NATIVE_SOURCE_NAME = 'fast_kernels.c';

export interface NativeBuild {
  /** The compiled addon. */
  file: string;
  /** false when an earlier build for the same key was reused. */
  compiled: boolean;
  compiler: string;
  flags: string[];
  compileMs: number;
}

export interface CompileOptions {
  env?: Record<string, string | undefined>;
  /** Where fast_kernels.c is (found next to the bundle or in the source tree otherwise). */
  source?: string;
  cacheDir?: string;
}

const dynamicRequire: NodeRequire = createRequire(__filename);

/** The C source: beside the bundle (dist/native/, copied by the build) or in the source tree. */
export function findNativeSource(env: Record<string, string | undefined> = process.env): string {
  if (env.DCL_NATIVE_SOURCE) return env.DCL_NATIVE_SOURCE;
  const candidates: string[] = [];
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'native', NATIVE_SOURCE_NAME));
    candidates.push(path.join(dir, 'dist', 'native', NATIVE_SOURCE_NAME));
    candidates.push(path.join(dir, 'src', 'trainer', 'native', NATIVE_SOURCE_NAME));
  }
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`${NATIVE_SOURCE_NAME} is not installed next to the trainer (looked from ${__dirname})`);
  return found;
}

export function nativeCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.DCL_NATIVE_CACHE) return env.DCL_NATIVE_CACHE;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'dcl-explorer', 'native');
}

function headersDir(): string {
  try {
    return path.join(path.dirname(dynamicRequire.resolve('node-api-headers/package.json')), 'include');
  } catch (e) {
    throw new Error(`the Node-API headers package (node-api-headers) is missing: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** The environment a compiler runs in: the caller's, so PATH decides which compilers are found. */
function processEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The first working compiler: $CC, then cc, gcc, clang; with its version line (part of the cache key). */
export function findCompiler(env: Record<string, string | undefined> = process.env): { cc: string; version: string } {
  const tried: string[] = [];
  for (const cc of [env.CC, 'cc', 'gcc', 'clang'].filter((c): c is string => !!c)) {
    try {
      const out = execFileSync(cc, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000, env: processEnv(env) });
      return { cc, version: out.split('\n')[0].trim() };
    } catch {
      tried.push(cc);
    }
  }
  throw new Error(`no C compiler found (tried ${tried.join(', ')}); install one (Debian/Ubuntu: apt-get install build-essential)`);
}

/** Identifies the CPU the build is tuned for. */
export function cpuIdentity(): string {
  if (process.platform === 'linux') {
    try {
      const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
      const field = (name: string) => info.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1] ?? '';
      return [field('model name'), field('flags') || field('Features'), field('CPU part')].join('|');
    } catch {
      // Fall through to what os reports.
    }
  }
  return `${os.cpus()[0]?.model ?? 'unknown'}|${process.arch}`;
}

/** Flag sets to try, best first: without OpenMP (macOS's clang) or -march=native (some ARM compilers) as fallbacks. */
function flagSets(): string[][] {
  const link = process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : [];
  // -fno-math-errno: with errno to set, sqrtf stays a scalar library call and Adam's update loop cannot vectorise.
  const base = ['-O3', '-std=gnu11', '-fno-math-errno', '-fPIC', '-shared', ...link];
  const arch = process.arch === 'arm64' ? ['-mcpu=native'] : ['-march=native'];
  return [
    [...base, ...arch, '-fopenmp'],
    [...base, ...arch],
    [...base, '-fopenmp'],
    base,
  ];
}

/** Compiles (or reuses) the addon; throws with the compiler's message when every flag set fails. */
export function compileNative(opts: CompileOptions = {}): NativeBuild {
  const env = opts.env ?? process.env;
  if (process.platform === 'win32') throw new Error('native kernels are built on Linux and macOS only');
  const source = opts.source ?? findNativeSource(env);
  const code = fs.readFileSync(source, 'utf8');
  const include = headersDir();
  const { cc, version } = findCompiler(env);
  const cacheDir = opts.cacheDir ?? nativeCacheDir(env);
  fs.mkdirSync(cacheDir, { recursive: true });
  const failures: string[] = [];
  for (const flags of flagSets()) {
    const key = createHash('sha256')
      .update([code, version, flags.join(' '), cpuIdentity(), process.platform, process.arch].join('\0'))
      .digest('hex')
      .slice(0, 16);
    const file = path.join(cacheDir, `fast_kernels-${key}.node`);
    if (fs.existsSync(file)) return { file, compiled: false, compiler: version, flags, compileMs: 0 };
    // Concurrent runs each write their own temporary and rename it into place, which is atomic.
    const tmp = `${file}.${process.pid}.tmp`;
    const started = performance.now();
    try {
      execFileSync(cc, [...flags, '-I', include, '-o', tmp, source, '-lm'], {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 120_000,
        env: processEnv(env),
      });
      fs.renameSync(tmp, file);
      return { file, compiled: true, compiler: version, flags, compileMs: performance.now() - started };
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim().split('\n')[0];
      failures.push(`${flags.filter((f) => f.startsWith('-f') || f.startsWith('-m')).join(' ') || 'plain'}: ${stderr || (e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`${cc} could not compile ${NATIVE_SOURCE_NAME} (${failures.join('; ')})`);
}
