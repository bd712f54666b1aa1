/**
 * Parses the text of a `*.dclrun.json` file into a complete RunConfig, or into problems that say where
 * (line and column for syntax errors) and what to change.
 */
import type { RunConfig } from '../../shared/protocol';
import { resolveRunConfig } from './resolveRunConfig';

export type ParsedConfig = { ok: true; config: RunConfig } | { ok: false; problems: string[] };

/** 1-based line and column of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

export function parseRunConfigText(text: string, defaults: RunConfig): ParsedConfig {
  if (text.trim() === '') return { ok: false, problems: ['the file is empty: write a JSON object such as {"loss": "dcl"}'] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const position = /position (\d+)/.exec(message);
    if (position) {
      const { line, column } = lineAndColumn(text, Number(position[1]));
      return { ok: false, problems: [`invalid JSON at line ${line}, column ${column}: ${message.replace(/ in JSON at position \d+.*$/, '')} (comments and trailing commas are not allowed)`] };
    }
    return { ok: false, problems: [`invalid JSON: ${message} (comments and trailing commas are not allowed)`] };
  }
  return resolveRunConfig(value, defaults);
}
