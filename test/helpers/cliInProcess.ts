/** Runs `dcl-explorer <argv>` in this process through the CLI's own dispatch, capturing what it writes to stderr. */
import { main } from '../../src/cli/dispatch';

export interface CliResult {
  code: number;
  stderr: string;
}

export async function runCliInProcess(argv: string[]): Promise<CliResult> {
  const chunks: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    return { code: await main(argv), stderr: chunks.join('') };
  } finally {
    process.stderr.write = original;
  }
}
