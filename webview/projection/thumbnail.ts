/** Draws a uint8 HWC image (grey or RGB) into a small canvas; CSS scales it up with crisp pixels. */

export function thumbnailCanvas(pixels: Uint8Array, height: number, width: number, channels: number, cssSize: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.className = 'thumbnail';
  const scale = cssSize / Math.max(width, height);
  canvas.style.width = `${Math.round(width * scale)}px`;
  canvas.style.height = `${Math.round(height * scale)}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx || pixels.length !== height * width * channels) return canvas;
  const img = ctx.createImageData(width, height);
  for (let p = 0; p < width * height; p++) {
    const r = pixels[p * channels];
    img.data[4 * p] = r;
    img.data[4 * p + 1] = channels === 3 ? pixels[p * 3 + 1] : r;
    img.data[4 * p + 2] = channels === 3 ? pixels[p * 3 + 2] : r;
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}
