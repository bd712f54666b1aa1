/**
 * Parsing of a run's append-only `metrics.jsonl`. The trainer flushes one JSON event per line, so a reader
 * may see a torn last line while a write is in flight: it is held back, not reported as an error, and read
 * again once complete. A corrupt line in the middle (disk trouble, a hand edit) is skipped and counted.
 */
import type { RunEvent } from './protocol';

export interface ParsedEvents {
  events: RunEvent[];
  /** Bytes of the input that formed complete lines; resume reading from here. */
  consumed: number;
  /** 1-based line numbers (within this chunk) that were complete but not valid events. */
  badLines: number[];
}

function isRunEvent(x: unknown): x is RunEvent {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  return typeof e.type === 'string' && typeof e.step === 'number' && typeof e.epoch === 'number' && typeof e.time === 'string';
}

/** Parses complete lines of `text`; an unterminated last line is left for the next read. */
export function parseEventLines(text: string): ParsedEvents {
  const events: RunEvent[] = [];
  const badLines: number[] = [];
  const lastNewline = text.lastIndexOf('\n');
  const complete = lastNewline >= 0 ? text.slice(0, lastNewline) : '';
  const lines = complete.length ? complete.split('\n') : [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const value: unknown = JSON.parse(line);
      if (isRunEvent(value)) events.push(value);
      else badLines.push(i + 1);
    } catch {
      badLines.push(i + 1);
    }
  });
  // Byte offset, not string length: callers resume reading a file by bytes.
  const consumed = lastNewline >= 0 ? new TextEncoder().encode(text.slice(0, lastNewline + 1)).length : 0;
  return { events, consumed, badLines };
}

export function serializeEvent(event: RunEvent): string {
  return JSON.stringify(event) + '\n';
}
