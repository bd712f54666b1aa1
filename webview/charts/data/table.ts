/**
 * Column tables for data export (CSV) and the comparison table (Markdown). Exports use the full-resolution
 * series, never the downsampled points that are drawn.
 */

export type TableColumn = ArrayLike<number> | readonly (string | number | null)[];

export interface DataTable {
  header: string[];
  /** Same length each. */
  columns: TableColumn[];
}

function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  // RFC 4180: quote fields holding separators, quotes or line breaks; double the quotes inside.
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(table: DataTable): string {
  const rows = table.columns.length ? table.columns[0].length : 0;
  const lines = [table.header.map(csvCell).join(',')];
  for (let r = 0; r < rows; r++) lines.push(table.columns.map((c) => csvCell(c[r])).join(','));
  return lines.join('\n') + '\n';
}

function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A GitHub-flavoured Markdown table; the first column is left-aligned, the others right-aligned (numbers). */
export function toMarkdown(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(markdownCell).join(' | ')} |`;
  const align = header.map((_, i) => (i === 0 ? ':---' : '---:'));
  return [line(header), `| ${align.join(' | ')} |`, ...rows.map(line)].join('\n') + '\n';
}

/** Stacks tables with the same header (one per run) into one long table with a leading `run` column. */
export function stackTables(parts: readonly { name: string; table: DataTable }[]): DataTable {
  if (parts.length === 0) return { header: ['run'], columns: [[]] };
  const header = ['run', ...parts[0].table.header];
  const runColumn: string[] = [];
  const columns: number[][] = parts[0].table.columns.map(() => []);
  for (const { name, table } of parts) {
    const rows = table.columns.length ? table.columns[0].length : 0;
    for (let r = 0; r < rows; r++) runColumn.push(name);
    table.columns.forEach((col, c) => {
      for (let r = 0; r < rows; r++) columns[c].push(col[r] as number);
    });
  }
  return { header, columns: [runColumn, ...columns] };
}
