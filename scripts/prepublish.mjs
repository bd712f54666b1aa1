// package.json "vscode:prepublish": vsce runs it before every `vsce package`, so a .vsix is never packed from a
// stale dist/. scripts/package-platforms.mjs builds once and then packs six targets; it sets
// DCL_PREPUBLISH_BUILT=1 for those packs so the same tree is not rebuilt six times. Nothing else sets it.
import { execFileSync } from 'node:child_process';

if (process.env.DCL_PREPUBLISH_BUILT === '1') {
  console.log('prepublish: dist/ was built by package-platforms.mjs in this run');
} else {
  // Only what ships: tests are not built, and other work's dist-test/ is left as it is.
  execFileSync(process.execPath, [new URL('build.mjs', import.meta.url).pathname, '--no-tests'], { stdio: 'inherit' });
}
