/**
 * The projection webview's HTML, built without vscode so the headless-browser test serves exactly the page
 * the panel shows. Strict CSP: scripts run only with the per-load nonce, styles come from files or carry
 * the nonce, images only from the webview's own resources, data: and blob: (thumbnails), nothing is fetched.
 */
import { escapeAttr, makeNonce } from '../charts/webviewHtml';

export { makeNonce };

export const PROJECTION_VIEW_TYPE = 'dclExplorer.projection';

export interface ProjectionHtmlInput {
  /** `webview.cspSource` in VS Code; the test server's origin in the browser test. */
  cspSource: string;
  nonce: string;
  /** Loaded in order; the projection bundle goes last (a test puts its fake VS Code API first). */
  scriptUris: string[];
  styleUris: string[];
  title?: string;
}

export function projectionCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function projectionHtml(input: ProjectionHtmlInput): string {
  const nonce = escapeAttr(input.nonce);
  const styles = input.styleUris.map((u) => `  <link rel="stylesheet" href="${escapeAttr(u)}">`).join('\n');
  const scripts = input.scriptUris.map((u) => `  <script nonce="${nonce}" src="${escapeAttr(u)}"></script>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeAttr(projectionCsp(input.cspSource, input.nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <title>${escapeAttr(input.title ?? 'Embedding projection')}</title>
${styles}
</head>
<body>
  <main id="app" aria-busy="true"><p class="loading">Loading the projection…</p></main>
${scripts}
</body>
</html>
`;
}
