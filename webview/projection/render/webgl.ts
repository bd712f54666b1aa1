/**
 * WebGL 1 scatter: one gl.POINTS draw call for all points (position and RGBA colour per vertex, the camera
 * as a uniform), then a second small call for highlights. Pan and zoom only change uniforms, so 60 000
 * points redraw in well under a frame. A lost context is restored by re-uploading the kept arrays.
 */
import type { DrawParams, Highlight, PointRenderer } from './types';

const VERTEX = `
attribute vec2 a_pos;
attribute vec4 a_color;
uniform vec4 u_xform;
uniform float u_size;
varying vec4 v_color;
void main() {
  gl_Position = vec4(a_pos * u_xform.xy + u_xform.zw, 0.0, 1.0);
  gl_PointSize = u_size;
  v_color = a_color;
}`;

const FRAGMENT = `
precision mediump float;
varying vec4 v_color;
uniform float u_px;
uniform float u_ring;
void main() {
  float r = length(gl_PointCoord * 2.0 - 1.0);
  float px = 2.0 / max(u_px, 1.0);
  float alpha = 1.0 - smoothstep(1.0 - px, 1.0, r);
  if (u_ring > 0.5) alpha *= smoothstep(1.0 - 3.5 * px, 1.0 - 2.5 * px, r);
  alpha *= v_color.a;
  if (alpha < 0.01) discard;
  gl_FragColor = vec4(v_color.rgb, alpha);
}`;

interface GlState {
  gl: WebGLRenderingContext;
  program: WebGLProgram;
  pos: WebGLBuffer;
  color: WebGLBuffer;
  hiPos: WebGLBuffer;
  hiColor: WebGLBuffer;
  aPos: number;
  aColor: number;
  uXform: WebGLUniformLocation;
  uSize: WebGLUniformLocation;
  /** The same size for the fragment shader (a uniform shared between stages must agree on precision). */
  uPx: WebGLUniformLocation;
  uRing: WebGLUniformLocation;
  maxPointSize: number;
}

function compile(gl: WebGLRenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type);
  if (!shader) throw new Error('WebGL: cannot create a shader');
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`WebGL shader: ${gl.getShaderInfoLog(shader) ?? 'compile failed'}`);
  return shader;
}

function init(gl: WebGLRenderingContext): GlState {
  const program = gl.createProgram();
  if (!program) throw new Error('WebGL: cannot create a program');
  gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
  gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`WebGL program: ${gl.getProgramInfoLog(program) ?? 'link failed'}`);
  const buffer = () => {
    const b = gl.createBuffer();
    if (!b) throw new Error('WebGL: cannot create a buffer');
    return b;
  };
  const uniform = (name: string) => {
    const u = gl.getUniformLocation(program, name);
    if (!u) throw new Error(`WebGL: uniform ${name} missing`);
    return u;
  };
  const range = gl.getParameter(gl.ALIASED_POINT_SIZE_RANGE) as Float32Array | null;
  return {
    gl,
    program,
    pos: buffer(),
    color: buffer(),
    hiPos: buffer(),
    hiColor: buffer(),
    aPos: gl.getAttribLocation(program, 'a_pos'),
    aColor: gl.getAttribLocation(program, 'a_color'),
    uXform: uniform('u_xform'),
    uSize: uniform('u_size'),
    uPx: uniform('u_px'),
    uRing: uniform('u_ring'),
    maxPointSize: range ? range[1] : 64,
  };
}

export class WebglRenderer implements PointRenderer {
  readonly kind = 'webgl';
  private state: GlState | null;
  private coords: Float32Array = new Float32Array(0);
  private colors: Uint8Array = new Uint8Array(0);
  private count = 0;
  private highlights: Highlight[] = [];
  private readonly onLost = (e: Event) => {
    e.preventDefault(); // tells the browser we want the context back
    this.state = null;
  };
  private readonly onRestored = () => {
    this.state = init(this.gl);
    this.upload();
    this.onContextRestored();
  };

  /** Null when the browser offers no WebGL (the caller falls back to Canvas 2D). */
  static create(canvas: HTMLCanvasElement, onContextRestored: () => void): WebglRenderer | null {
    const gl = canvas.getContext('webgl', { antialias: false, alpha: false, depth: false, preserveDrawingBuffer: true, premultipliedAlpha: false });
    if (!gl) return null;
    return new WebglRenderer(canvas, gl, onContextRestored);
  }

  private constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly gl: WebGLRenderingContext,
    private readonly onContextRestored: () => void,
  ) {
    this.state = init(gl);
    canvas.addEventListener('webglcontextlost', this.onLost);
    canvas.addEventListener('webglcontextrestored', this.onRestored);
  }

  private upload(): void {
    const s = this.state;
    if (!s) return;
    const { gl } = s;
    gl.bindBuffer(gl.ARRAY_BUFFER, s.pos);
    gl.bufferData(gl.ARRAY_BUFFER, this.coords.subarray(0, 2 * this.count), gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, s.color);
    gl.bufferData(gl.ARRAY_BUFFER, this.colors.subarray(0, 4 * this.count), gl.DYNAMIC_DRAW);
  }

  setPoints(coords: Float32Array, colors: Uint8Array, count: number): void {
    this.coords = coords;
    this.colors = colors;
    this.count = count;
    this.upload();
  }

  setColors(colors: Uint8Array): void {
    this.colors = colors;
    const s = this.state;
    if (!s) return;
    s.gl.bindBuffer(s.gl.ARRAY_BUFFER, s.color);
    s.gl.bufferData(s.gl.ARRAY_BUFFER, colors.subarray(0, 4 * this.count), s.gl.DYNAMIC_DRAW);
  }

  setHighlights(highlights: Highlight[]): void {
    this.highlights = highlights;
  }

  private bind(s: GlState, pos: WebGLBuffer, color: WebGLBuffer): void {
    const { gl } = s;
    gl.bindBuffer(gl.ARRAY_BUFFER, pos);
    gl.enableVertexAttribArray(s.aPos);
    gl.vertexAttribPointer(s.aPos, 2, gl.FLOAT, false, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, color);
    gl.enableVertexAttribArray(s.aColor);
    gl.vertexAttribPointer(s.aColor, 4, gl.UNSIGNED_BYTE, true, 0, 0);
  }

  draw(p: DrawParams): void {
    const s = this.state;
    if (!s) return;
    const { gl } = s;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(p.background[0] / 255, p.background[1] / 255, p.background[2] / 255, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (this.count === 0) return;
    gl.useProgram(s.program);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    const t = p.camera.clipTransform();
    gl.uniform4f(s.uXform, t.scaleX, t.scaleY, t.offsetX, t.offsetY);
    const size = Math.min(s.maxPointSize, p.pointSize * p.dpr);
    gl.uniform1f(s.uSize, size);
    gl.uniform1f(s.uPx, size);
    gl.uniform1f(s.uRing, 0);
    this.bind(s, s.pos, s.color);
    gl.drawArrays(gl.POINTS, 0, this.count);

    // Highlights: one draw call per entry (there are a few dozen at most), each with its own size and shape.
    if (this.highlights.length === 0) return;
    const hp = new Float32Array(2 * this.highlights.length);
    const hc = new Uint8Array(4 * this.highlights.length);
    this.highlights.forEach((h, k) => {
      hp[2 * k] = this.coords[2 * h.index];
      hp[2 * k + 1] = this.coords[2 * h.index + 1];
      hc.set(h.rgba, 4 * k);
    });
    gl.bindBuffer(gl.ARRAY_BUFFER, s.hiPos);
    gl.bufferData(gl.ARRAY_BUFFER, hp, gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, s.hiColor);
    gl.bufferData(gl.ARRAY_BUFFER, hc, gl.DYNAMIC_DRAW);
    this.bind(s, s.hiPos, s.hiColor);
    this.highlights.forEach((h, k) => {
      const hs = Math.min(s.maxPointSize, h.size * p.dpr);
      gl.uniform1f(s.uSize, hs);
      gl.uniform1f(s.uPx, hs);
      gl.uniform1f(s.uRing, h.ring ? 1 : 0);
      gl.drawArrays(gl.POINTS, k, 1);
    });
  }

  dispose(): void {
    this.canvas.removeEventListener('webglcontextlost', this.onLost);
    this.canvas.removeEventListener('webglcontextrestored', this.onRestored);
    const s = this.state;
    if (!s) return;
    for (const b of [s.pos, s.color, s.hiPos, s.hiColor]) s.gl.deleteBuffer(b);
    s.gl.deleteProgram(s.program);
    this.state = null;
  }
}
