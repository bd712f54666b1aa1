/** A small, strict command-line parser: every flag must be declared, so a typo is an error, not a silent default. */
import { clip } from '../shared/configChecks';

export class UsageError extends Error {}

export interface FlagSpec {
  /** 'string' takes a value, 'boolean' takes none. */
  type: 'string' | 'boolean';
  help: string;
  /** A string flag that may be given several times (`--grid a=1 --grid b=2`): its values arrive as a list. */
  repeatable?: boolean;
}

export type ParsedFlags = Record<string, string | boolean | string[] | undefined>;

export function parseFlags(argv: string[], spec: Record<string, FlagSpec>, command: string): ParsedFlags {
  const out: ParsedFlags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`${command}: unexpected argument "${clip(arg)}"; see "dcl-explorer ${command} --help"`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    // Own keys only: "--toString" or "--constructor" must not find Object.prototype's members.
    const s = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!s) throw new UsageError(`${command}: unknown option --${clip(name)}; see "dcl-explorer ${command} --help"`);
    if (s.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`${command}: option --${name} takes no value`);
      out[name] = true;
    } else {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`${command}: option --${name} needs a value`);
      if (s.repeatable) out[name] = [...((out[name] as string[] | undefined) ?? []), value];
      else out[name] = value;
    }
  }
  return out;
}

export function numberFlag(flags: ParsedFlags, name: string, command: string): number | undefined {
  const v = Object.hasOwn(flags, name) ? flags[name] : undefined;
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) {
    throw new UsageError(`${command}: --${name} must be a number; got "${clip(String(v))}"`);
  }
  return n;
}

export function formatHelp(usage: string, spec: Record<string, FlagSpec>): string {
  const rows = Object.entries(spec).map(([name, s]) => `  --${name}${s.type === 'string' ? ' VALUE' : ''}${s.repeatable ? ' …' : ''}`.padEnd(28) + s.help);
  return `${usage}\n\nOptions:\n${rows.join('\n')}\n`;
}
