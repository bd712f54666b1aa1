/** `dcl-explorer`: the headless command-line entry point (bin/dcl-explorer.js calls runCli). */
import { main } from './dispatch';

export { main, registerCommand } from './dispatch';

export function runCli(): void {
  // main() answers every failure with an exit code itself, so the promise never rejects.
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) runCli();
