/** Picks the renderer: WebGL unless disabled or unavailable, then Canvas 2D. */
import { Canvas2dRenderer } from './canvas2d';
import type { PointRenderer } from './types';
import { WebglRenderer } from './webgl';

/**
 * Returns the renderer and the canvas it draws on: when a WebGL context exists but cannot be used (a broken
 * driver that fails to compile the shaders), that canvas is locked to WebGL, so a fresh one replaces it.
 */
export function createRenderer(
  canvas: HTMLCanvasElement,
  preference: 'auto' | 'webgl' | 'canvas2d',
  onContextRestored: () => void,
): { renderer: PointRenderer; canvas: HTMLCanvasElement } {
  if (preference !== 'canvas2d') {
    try {
      const gl = WebglRenderer.create(canvas, onContextRestored);
      if (gl) return { renderer: gl, canvas };
    } catch (e) {
      console.warn(`WebGL unusable (${(e as Error).message}); drawing with Canvas 2D`);
      const fresh = canvas.cloneNode(false) as HTMLCanvasElement;
      canvas.replaceWith(fresh);
      canvas = fresh;
    }
  }
  const c2d = Canvas2dRenderer.create(canvas);
  if (!c2d) throw new Error('neither WebGL nor Canvas 2D is available in this webview');
  return { renderer: c2d, canvas };
}
