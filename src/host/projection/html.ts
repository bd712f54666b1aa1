/**
 * The projection webview's HTML, built without vscode so the headless-browser test serves exactly the page
 * the panel shows. Strict CSP: scripts run only with the per-load nonce, styles come from files or carry
 * the nonce, images only from the webview's own resources, data: and blob: (thumbnails), nothing is fetched.
 */
import { makeNonce, webviewPage } from '../charts/webviewHtml';

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
  return webviewPage({
    ...input,
    title: input.title ?? 'Embedding projection',
    csp: projectionCsp(input.cspSource, input.nonce),
    loadingText: 'Loading the projection…',
  });
}
