/** Export file names suggested by the webview, made safe before they reach a save dialog. */
import type { ExportFormat } from '../../shared/chartsMessages';

/** A file name without folders or characters that file systems reject, ending in `.format`. */
export function safeFileName(name: string, format: ExportFormat): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what a file name must not hold
  const base = name.replace(/[\\/:*?"<>|\x00-\x1f]+/g, '_').replace(/^\.+/, '').slice(0, 120) || 'chart';
  return base.toLowerCase().endsWith(`.${format}`) ? base : `${base}.${format}`;
}
