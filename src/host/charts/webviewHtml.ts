/**
 * The charts webview's HTML, built without vscode so the real-browser test serves exactly what the panel
 * shows. Strict CSP: scripts run only with the per-load nonce, styles come from files or the nonce, and
 * nothing may be fetched (the host pushes all data by postMessage). The controls (@vscode-elements, on Lit)
 * style their shadow roots with constructable stylesheets (adoptedStyleSheets), which Chromium does not treat
 * as inline style, so they need neither 'unsafe-inline' nor a published nonce (the real-browser test records
 * every CSP violation and expects none).
 */
import { randomBytes } from 'node:crypto';

export interface WebviewHtmlInput {
  title: string;
  /** `webview.cspSource` in VS Code; the test server's origin in the browser test. */
  cspSource: string;
  nonce: string;
  /** Loaded in order; the bundle goes last. */
  scriptUris: string[];
  styleUris: string[];
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}

export function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ') + ';';
}

export interface WebviewPageInput {
  title: string;
  /** The Content-Security-Policy of the page. */
  csp: string;
  nonce: string;
  scriptUris: string[];
  styleUris: string[];
  /** What the page shows until its bundle has rendered. */
  loadingText: string;
}

/** The HTML shell every webview of the extension uses: CSP meta, styles, a loading placeholder, nonced scripts. */
export function webviewPage(input: WebviewPageInput): string {
  const nonce = escapeAttr(input.nonce);
  const styles = input.styleUris.map((u) => `  <link rel="stylesheet" href="${escapeAttr(u)}">`).join('\n');
  const scripts = input.scriptUris.map((u) => `  <script nonce="${nonce}" src="${escapeAttr(u)}"></script>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeAttr(input.csp)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <title>${escapeAttr(input.title)}</title>
${styles}
</head>
<body>
  <main id="app" aria-busy="true"><p class="loading">${escapeAttr(input.loadingText)}</p></main>
${scripts}
</body>
</html>
`;
}

export function webviewHtml(input: WebviewHtmlInput): string {
  return webviewPage({ ...input, csp: contentSecurityPolicy(input.cspSource, input.nonce), loadingText: 'Loading charts…' });
}
