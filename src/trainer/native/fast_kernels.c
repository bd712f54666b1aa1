/*
 * Native float32 kernels for the trainer's CPU backends: a packed, register-blocked GEMM; convolutions and their
 * gradients as im2col/col2im + GEMM; training- and inference-mode batch norm; ReLU and its gradient; binary
 * element-wise arithmetic; reductions; top-k; Adam; and the augmentations' resampling and noise.
 *
 * Why: wasm SIMD128 has no FMA and 4 lanes, so XNNPACK's GEMM tops out near 40 GFLOP/s on two cores; the same loops
 * compiled for the host CPU (AVX2/AVX-512 FMA, NEON) run several times faster. The kernels read and write the
 * caller's typed arrays directly, so no tensor is copied in or out: the `native` backend's ordinary arrays
 * (src/trainer/native/nativeBackend.ts) or views of the wasm heap (src/trainer/fastWasm). The module is compiled on
 * the user's machine with -march=native by src/trainer/native/compileNative.ts; it is optional, and every caller
 * keeps a fallback kernel.
 *
 * Written against Node-API (ABI-stable), so one build loads in any Node >= 18 and in Electron.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Vector width and micro-tile: the tile's accumulators must fit the register file
 * (AVX-512: 32 zmm, 12×2 accumulators; AVX2/NEON: 16 registers, 6×2). */
#if defined(__AVX512F__)
#define VL 16
#define MR 12
#else
#define VL 8
#define MR 6
#endif
#define NR (2 * VL)
#define KC 256
#define MC (MR * 16)

typedef float vf __attribute__((vector_size(VL * sizeof(float))));
/* The same vector type without the alignment promise, for loads/stores of caller memory. */
typedef float vfu __attribute__((vector_size(VL * sizeof(float)), aligned(4)));

static int g_threads = 1;

/* Element (i, p) of op(A), an M×K matrix stored row-major as A (transA: stored K×M). */
static inline float at_a(const float *a, long lda, int transA, long i, long p) {
  return transA ? a[p * lda + i] : a[i * lda + p];
}

/* Packs rows [i0, i0+mc) × cols [p0, p0+kc) of op(A) into MR-row panels, K-major, zero-padded. */
static void pack_a(const float *a, long lda, int transA, long i0, int mc, long p0, int kc, float *out) {
  for (int ir = 0; ir < mc; ir += MR) {
    int rows = mc - ir < MR ? mc - ir : MR;
    float *dst = out + (long)ir * kc;
    if (!transA) {
      for (int i = 0; i < rows; i++) {
        const float *src = a + (i0 + ir + i) * lda + p0;
        for (int p = 0; p < kc; p++) dst[p * MR + i] = src[p];
      }
    } else {
      for (int p = 0; p < kc; p++) {
        const float *src = a + (p0 + p) * lda + i0 + ir;
        for (int i = 0; i < rows; i++) dst[p * MR + i] = src[i];
      }
    }
    if (rows < MR)
      for (int p = 0; p < kc; p++)
        for (int i = rows; i < MR; i++) dst[p * MR + i] = 0.f;
  }
}

/* Packs rows [p0, p0+kc) × cols [j0, j0+nc) of op(B) (K×N; transB: stored N×K) into NR-column panels. */
static void pack_b_panel(const float *b, long ldb, int transB, long p0, int kc, long j0, int cols, float *dst) {
  if (!transB) {
    for (int p = 0; p < kc; p++) {
      const float *src = b + (p0 + p) * ldb + j0;
      float *d = dst + p * NR;
      int j = 0;
      for (; j < cols; j++) d[j] = src[j];
      for (; j < NR; j++) d[j] = 0.f;
    }
  } else {
    for (int j = 0; j < cols; j++) {
      const float *src = b + (j0 + j) * ldb + p0;
      for (int p = 0; p < kc; p++) dst[p * NR + j] = src[p];
    }
    for (int j = cols; j < NR; j++)
      for (int p = 0; p < kc; p++) dst[p * NR + j] = 0.f;
  }
}

/* C[0:m, 0:n] (+)= Ap·Bp for one MR×NR tile; ldc is C's row stride. */
static inline void micro_kernel(int kc, const float *restrict ap, const float *restrict bp, float *restrict c, long ldc,
                                int m, int n, int accumulate) {
  vf acc0[MR], acc1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) {
    acc0[i] = (vf){0};
    acc1[i] = (vf){0};
  }
  for (int p = 0; p < kc; p++) {
    const vf b0 = *(const vf *)(bp);
    const vf b1 = *(const vf *)(bp + VL);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      acc0[i] += ap[i] * b0;
      acc1[i] += ap[i] * b1;
    }
    ap += MR;
    bp += NR;
  }
  if (m == MR && n == NR) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      vfu *row = (vfu *)(c + i * ldc);
      if (accumulate) {
        row[0] += acc0[i];
        row[1] += acc1[i];
      } else {
        row[0] = acc0[i];
        row[1] = acc1[i];
      }
    }
  } else {
    float tile[MR * NR] __attribute__((aligned(64)));
    for (int i = 0; i < MR; i++) {
      *(vf *)(tile + i * NR) = acc0[i];
      *(vf *)(tile + i * NR + VL) = acc1[i];
    }
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) c[i * ldc + j] = accumulate ? c[i * ldc + j] + tile[i * NR + j] : tile[i * NR + j];
  }
}

static void *aligned_buffer(size_t floats) {
  void *p = NULL;
  if (posix_memalign(&p, 64, floats * sizeof(float) + 64) != 0) return NULL;
  return p;
}

/*
 * Buffers kept from call to call, one per purpose and calling thread. A fresh multi-megabyte allocation is
 * mmapped by malloc and page-faulted again on every call, which cost as much as the convolution that used it
 * (a patch matrix is up to 16 MB). They grow to the largest size asked for, up to SCRATCH_KEEP floats: a larger
 * one (the kNN monitor's products with a 60 000-row bank) is freed again after its call by scratch_trim.
 */
#define SCRATCH_KEEP (8L << 20)
enum { SCRATCH_GEMM, SCRATCH_CONV, SCRATCH_SLOTS };
static _Thread_local struct {
  float *p;
  size_t floats;
} g_scratch[SCRATCH_SLOTS];

static float *scratch(int slot, size_t floats) {
  if (g_scratch[slot].floats < floats) {
    free(g_scratch[slot].p);
    g_scratch[slot].p = aligned_buffer(floats);
    g_scratch[slot].floats = g_scratch[slot].p ? floats : 0;
  }
  return g_scratch[slot].p;
}

static void scratch_trim(int slot) {
  if (g_scratch[slot].floats > (size_t)SCRATCH_KEEP) {
    free(g_scratch[slot].p);
    g_scratch[slot].p = NULL;
    g_scratch[slot].floats = 0;
  }
}

/* K split into equal blocks of at most KC: 288 = 2×144 rather than 256 + 32, whose short block would pay the
 * tile's load/store of C for little work. */
static int balanced_kc(long K) {
  const long blocks = (K + KC - 1) / KC;
  return (int)((K + blocks - 1) / blocks);
}

/* Packing buffers for one thread: an MC×KC block of A and all of B's KC-row panels. */
static size_t pack_floats(long N) { return (size_t)MC * KC + (size_t)((N + NR - 1) / NR) * NR * KC; }

/*
 * One thread's share, with its own packing buffers `pk` (pack_floats(N)):
 * C[i_lo:i_hi, j_lo:j_hi] (+)= op(A)[i_lo:i_hi, k_lo:k_hi] · op(B)[k_lo:k_hi, j_lo:j_hi].
 */
static void gemm_block(const float *a, long lda, int transA, const float *b, long ldb, int transB, float *c, long ldc,
                       long i_lo, long i_hi, long j_lo, long j_hi, long k_lo, long k_hi, int accumulate, float *pk) {
  const long panels = (j_hi - j_lo + NR - 1) / NR;
  const int kcMax = balanced_kc(k_hi - k_lo);
  float *apk = pk, *bp = pk + (size_t)MC * KC;
  for (long p0 = k_lo; p0 < k_hi; p0 += kcMax) {
    const int kc = k_hi - p0 < kcMax ? (int)(k_hi - p0) : kcMax;
    const int acc = accumulate || p0 > k_lo;
    for (long jp = 0; jp < panels; jp++) {
      const long j0 = j_lo + jp * NR;
      pack_b_panel(b, ldb, transB, p0, kc, j0, j_hi - j0 < NR ? (int)(j_hi - j0) : NR, bp + jp * NR * kc);
    }
    for (long i0 = i_lo; i0 < i_hi; i0 += MC) {
      const int mc = i_hi - i0 < MC ? (int)(i_hi - i0) : MC;
      const long rowTiles = (mc + MR - 1) / MR;
      for (long ir = 0; ir < rowTiles; ir++) {
        const int rows = mc - ir * MR < MR ? (int)(mc - ir * MR) : MR;
        pack_a(a, lda, transA, i0 + ir * MR, rows, p0, kc, apk + ir * MR * kc);
      }
      for (long jp = 0; jp < panels; jp++)
        for (long ir = 0; ir < rowTiles; ir++) {
          const long j0 = j_lo + jp * NR, r0 = ir * MR;
          micro_kernel(kc, apk + r0 * kc, bp + jp * NR * kc, c + (i0 + r0) * ldc + j0, ldc,
                       mc - r0 < MR ? (int)(mc - r0) : MR, j_hi - j0 < NR ? (int)(j_hi - j0) : NR, acc);
        }
    }
  }
}

/*
 * Every thread on the same MC-row blocks: the threads pack B's panels, then for each block pack A's panels
 * and share out its MR×NR tiles. For products too short to give each thread its own rows (M = 256).
 */
static void gemm_shared_tiles(const float *a, long lda, int transA, const float *b, long ldb, int transB, float *c,
                              long ldc, long M, long N, long K, int accumulate, int threads, float *pk) {
  const long panels = (N + NR - 1) / NR;
  const int kcMax = balanced_kc(K);
  float *apk = pk, *bp = pk + (size_t)MC * KC;
#pragma omp parallel num_threads(threads)
  for (long p0 = 0; p0 < K; p0 += kcMax) {
    const int kc = K - p0 < kcMax ? (int)(K - p0) : kcMax;
    const int acc = accumulate || p0 > 0;
#pragma omp for schedule(static)
    for (long jp = 0; jp < panels; jp++) {
      const long j0 = jp * NR;
      pack_b_panel(b, ldb, transB, p0, kc, j0, N - j0 < NR ? (int)(N - j0) : NR, bp + jp * NR * kc);
    }
    for (long i0 = 0; i0 < M; i0 += MC) {
      const int mc = M - i0 < MC ? (int)(M - i0) : MC;
      const long rowTiles = (mc + MR - 1) / MR;
#pragma omp for schedule(static)
      for (long ir = 0; ir < rowTiles; ir++) {
        const int rows = mc - ir * MR < MR ? (int)(mc - ir * MR) : MR;
        pack_a(a, lda, transA, i0 + ir * MR, rows, p0, kc, apk + ir * MR * kc);
      }
      const long tiles = rowTiles * panels;
#pragma omp for schedule(static)
      for (long t = 0; t < tiles; t++) {
        const long jp = t / rowTiles, ir = t % rowTiles;
        const long j0 = jp * NR, r0 = ir * MR;
        micro_kernel(kc, apk + r0 * kc, bp + jp * NR * kc, c + (i0 + r0) * ldc + j0, ldc,
                     mc - r0 < MR ? (int)(mc - r0) : MR, N - j0 < NR ? (int)(N - j0) : NR, acc);
      }
    }
  }
}

/*
 * C = op(A)·op(B) (+ C when accumulate), C row-major M×N with row stride ldc. How the threads share the work:
 * - tall products (convolutions' M = N·H·W rows): each thread takes its own rows and packs its own copy of B;
 * - long, small products (filter gradients: K = N·H·W, M·N a few thousand): each thread sums its own part of
 *   K into a private C, and the partial products are added at the end;
 * - wide products (dense layers, M = batch): each thread takes its own columns and packs its own copy of A,
 *   which costs M·K per thread against M·K·N/threads multiply-adds;
 * - rows again for what is tall enough, and only what is small every way shares each block's tiles.
 * The first four need no synchronisation inside the product; the shared tiles pay barriers per block.
 * Returns 0 on success, -1 when memory runs out.
 */
static int gemm(const float *a, long lda, int transA, const float *b, long ldb, int transB, float *c, long ldc, long M,
                long N, long K, int accumulate) {
  if (M <= 0 || N <= 0) return 0;
  if (K <= 0) {
    if (!accumulate)
      for (long i = 0; i < M; i++) memset(c + i * ldc, 0, N * sizeof(float));
    return 0;
  }
  /* Threads only pay off past a few hundred thousand multiply-adds. */
  const int threads = M * N * K > 200000 ? g_threads : 1;
  enum { ALONE, BY_ROWS, BY_K, BY_COLS, SHARED } split = ALONE;
  if (threads > 1) {
    if (M >= 1024L * threads) split = BY_ROWS;
    else if (K >= 4L * KC * threads) split = BY_K;
    else if (N >= 4L * NR * threads) split = BY_COLS;
    else if (M >= 128L * threads) split = BY_ROWS;
    else split = SHARED;
  }
  /* Split by columns, a thread packs only its own panels of B. */
  const long panels = (N + NR - 1) / NR;
  const size_t per = pack_floats(split == BY_COLS ? (panels + threads - 1) / threads * NR : N);
  if (split == SHARED) {
    float *pk = scratch(SCRATCH_GEMM, per);
    if (!pk) return -1;
    gemm_shared_tiles(a, lda, transA, b, ldb, transB, c, ldc, M, N, K, accumulate, threads, pk);
    scratch_trim(SCRATCH_GEMM);
    return 0;
  }
  /* Thread t's packing buffers, then (split K) the private C of every thread but the first. */
  const size_t privateC = split == BY_K ? (size_t)M * N : 0;
  float *buf = scratch(SCRATCH_GEMM, per * threads + privateC * (threads - 1));
  if (!buf) return -1;
#pragma omp parallel num_threads(threads)
  {
#ifdef _OPENMP
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
#else
    const int t = 0, T = 1;
#endif
    float *pk = buf + per * t;
    if (split == BY_K) {
      float *mine = t == 0 ? c : buf + per * T + privateC * (t - 1);
      gemm_block(a, lda, transA, b, ldb, transB, mine, t == 0 ? ldc : N, 0, M, 0, N, K * t / T, K * (t + 1) / T,
                 t == 0 ? accumulate : 0, pk);
#pragma omp barrier
#pragma omp for schedule(static)
      for (long i = 0; i < M; i++)
        for (int u = 1; u < T; u++) {
          const float *src = buf + per * T + privateC * (u - 1) + i * N;
          float *dst = c + i * ldc;
          for (long j = 0; j < N; j++) dst[j] += src[j];
        }
    } else if (split == BY_COLS) {
      /* Whole NR panels per thread, so only the last thread has a partial one. */
      const long lo = panels * t / T * NR, hi = t == T - 1 ? N : panels * (t + 1) / T * NR;
      gemm_block(a, lda, transA, b, ldb, transB, c, ldc, 0, M, lo, hi, 0, K, accumulate, pk);
    } else {
      /* Row ranges on MR boundaries, so only the last thread has a partial tile. */
      const long tiles = (M + MR - 1) / MR;
      const long lo = tiles * t / T * MR, hi = t == T - 1 ? M : tiles * (t + 1) / T * MR;
      gemm_block(a, lda, transA, b, ldb, transB, c, ldc, lo, hi, 0, N, 0, K, accumulate, pk);
    }
  }
  scratch_trim(SCRATCH_GEMM);
  return 0;
}

/* Σ over the rows of a row-major [outer, inner] matrix, accumulated in double (per-thread partial sums). */
static int column_sums(const float *src, long outer, long inner, double scale, float *out) {
  const int threads = outer * inner > 65536 ? g_threads : 1;
  double *part = calloc((size_t)threads * inner, sizeof(double));
  if (!part) return -1;
#pragma omp parallel num_threads(threads)
  {
#ifdef _OPENMP
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
#else
    const int t = 0, T = 1;
#endif
    double *acc = part + (long)t * inner;
    for (long r = outer * t / T; r < outer * (t + 1) / T; r++) {
      const float *row = src + r * inner;
      for (long i = 0; i < inner; i++) acc[i] += row[i];
    }
  }
  for (long i = 0; i < inner; i++) {
    double sum = 0;
    for (int t = 0; t < threads; t++) sum += part[(long)t * inner + i];
    out[i] = (float)(sum * scale);
  }
  free(part);
  return 0;
}

/*
 * out[o, i] = scale · Σ_m src[o, m, i] for a row-major [outer, middle, inner] array: a reduction over a run of
 * middle axes (global average pooling's H, W of NHWC) read in place, where the stock kernels transpose the
 * reduced axes innermost first. Threads take whole outer slices when there are enough of them.
 */
static int middle_sums(const float *src, long outer, long middle, long inner, double scale, float *out) {
  if (outer < 2L * g_threads || outer * middle * inner <= 65536) {
    for (long o = 0; o < outer; o++)
      if (column_sums(src + o * middle * inner, middle, inner, scale, out + o * inner) != 0) return -1;
    return 0;
  }
  int failed = 0;
#pragma omp parallel num_threads(g_threads)
  {
    double *acc = malloc((size_t)inner * sizeof(double));
    if (!acc) {
#pragma omp atomic write
      failed = 1;
    }
#pragma omp for schedule(static)
    for (long o = 0; o < outer; o++) {
      if (!acc) continue;
      for (long i = 0; i < inner; i++) acc[i] = 0;
      for (long m = 0; m < middle; m++) {
        const float *row = src + (o * middle + m) * inner;
        for (long i = 0; i < inner; i++) acc[i] += row[i];
      }
      for (long i = 0; i < inner; i++) out[o * inner + i] = (float)(acc[i] * scale);
    }
    free(acc);
  }
  return failed ? -1 : 0;
}

/* out[o, m, i] = src[o, i] / divisor: a sum's (divisor 1) or mean's gradient spread back over the reduced axes. */
static void spread_middle(const float *restrict src, long outer, long middle, long inner, float divisor, float *restrict out) {
#pragma omp parallel for num_threads(g_threads) schedule(static) if (outer * middle * inner > 65536)
  for (long q = 0; q < outer * middle; q++) {
    const float *row = src + (q / middle) * inner;
    float *dst = out + q * inner;
    for (long i = 0; i < inner; i++) dst[i] = row[i] / divisor;
  }
}

/* y = e^x element-wise (libm's expf, on every thread). */
static void exp_elementwise(const float *restrict x, float *restrict y, long n) {
#pragma omp parallel for num_threads(g_threads) schedule(static) if (n > 16384)
  for (long i = 0; i < n; i++) y[i] = expf(x[i]);
}

/* ---------- Convolutions as GEMMs (NHWC activations, [KH, KW, Cin, Cout] filters) ---------- */

typedef struct {
  long n, h, w, cin, kh, kw, cout, oh, ow, sh, sw, pt, pl, dh, dw;
} ConvDims;

/* Rows of the patch matrix per chunk: bounds the scratch buffer (~16 MB) for large inputs. */
static long chunk_images(const ConvDims *d) {
  const long perImage = d->oh * d->ow * d->kh * d->kw * d->cin;
  long images = (4L << 20) / (perImage > 0 ? perImage : 1);
  if (images < 1) images = 1;
  return images > d->n ? d->n : images;
}

/* Patch matrix of images [n0, n0+count): row (image, oh, ow), column (kh, kw, cin), zeros for padding. */
static void im2col(const ConvDims *d, const float *x, long n0, long count, float *cols) {
  const long kdim = d->kh * d->kw * d->cin;
  const long lines = count * d->oh;
  /* One output row (image, oy) per iteration: dividing per pixel cost more than copying a 1-channel patch. */
#pragma omp parallel for num_threads(g_threads) schedule(static) if (lines * d->ow * kdim > 65536)
  for (long q = 0; q < lines; q++) {
    const long img = n0 + q / d->oh, oy = q % d->oh;
    float *dst = cols + q * d->ow * kdim;
    for (long ox = 0; ox < d->ow; ox++)
      for (long ky = 0; ky < d->kh; ky++) {
        const long iy = oy * d->sh - d->pt + ky * d->dh;
        for (long kx = 0; kx < d->kw; kx++, dst += d->cin) {
          const long ix = ox * d->sw - d->pl + kx * d->dw;
          const int outside = iy < 0 || iy >= d->h || ix < 0 || ix >= d->w;
          /* A single channel (grayscale images) is one float: a memcpy call per element cost 4× the copy. */
          if (d->cin == 1) *dst = outside ? 0.f : x[(img * d->h + iy) * d->w + ix];
          else if (outside) memset(dst, 0, d->cin * sizeof(float));
          else memcpy(dst, x + ((img * d->h + iy) * d->w + ix) * d->cin, d->cin * sizeof(float));
        }
      }
  }
}

/* dx[images n0..] += the patch-matrix gradient scattered back; images are independent, so split by image. */
static void col2im(const ConvDims *d, const float *cols, long n0, long count, float *dx) {
  const long kdim = d->kh * d->kw * d->cin;
#pragma omp parallel for num_threads(g_threads) schedule(static) if (count > 1)
  for (long i = 0; i < count; i++) {
    const long img = n0 + i;
    for (long oy = 0; oy < d->oh; oy++)
      for (long ox = 0; ox < d->ow; ox++) {
        const float *src = cols + ((i * d->oh + oy) * d->ow + ox) * kdim;
        for (long ky = 0; ky < d->kh; ky++) {
          const long iy = oy * d->sh - d->pt + ky * d->dh;
          for (long kx = 0; kx < d->kw; kx++, src += d->cin) {
            const long ix = ox * d->sw - d->pl + kx * d->dw;
            if (iy < 0 || iy >= d->h || ix < 0 || ix >= d->w) continue;
            float *dst = dx + ((img * d->h + iy) * d->w + ix) * d->cin;
            for (long c = 0; c < d->cin; c++) dst[c] += src[c];
          }
        }
      }
  }
}

/* A 1×1, stride-1, unpadded convolution's patch matrix is the input itself. */
static int is_pointwise(const ConvDims *d) {
  return d->kh == 1 && d->kw == 1 && d->sh == 1 && d->sw == 1 && d->pt == 0 && d->pl == 0 && d->oh == d->h && d->ow == d->w;
}

enum { CONV_FORWARD = 0, CONV_FILTER_GRAD = 1, CONV_INPUT_GRAD = 2 };

/*
 * forward:     y[rows, cout]  = cols(x) · w[kdim, cout]
 * filter grad: dw[kdim, cout] = Σ_chunks cols(x)ᵀ · dy
 * input grad:  dx             = col2im(dy · wᵀ)
 * (a, b, out) are (x, w, y), (x, dy, dw) and (dy, w, dx) respectively.
 */
static int conv_gemm(int mode, const ConvDims *d, const float *a, const float *b, float *out) {
  const long kdim = d->kh * d->kw * d->cin, pix = d->oh * d->ow;
  if (is_pointwise(d)) {
    const long rows = d->n * pix;
    if (mode == CONV_FORWARD) return gemm(a, kdim, 0, b, d->cout, 0, out, d->cout, rows, d->cout, kdim, 0);
    if (mode == CONV_FILTER_GRAD) return gemm(a, kdim, 1, b, d->cout, 0, out, d->cout, kdim, d->cout, rows, 0);
    return gemm(a, d->cout, 0, b, d->cout, 1, out, kdim, rows, kdim, d->cout, 0);
  }
  const long step = chunk_images(d);
  float *cols = scratch(SCRATCH_CONV, (size_t)step * pix * kdim);
  if (!cols) return -1;
  if (mode == CONV_INPUT_GRAD) memset(out, 0, (size_t)d->n * d->h * d->w * d->cin * sizeof(float));
  int rc = 0;
  for (long n0 = 0; n0 < d->n && rc == 0; n0 += step) {
    const long count = d->n - n0 < step ? d->n - n0 : step, rows = count * pix;
    if (mode == CONV_FORWARD) {
      im2col(d, a, n0, count, cols);
      rc = gemm(cols, kdim, 0, b, d->cout, 0, out + n0 * pix * d->cout, d->cout, rows, d->cout, kdim, 0);
    } else if (mode == CONV_FILTER_GRAD) {
      im2col(d, a, n0, count, cols);
      rc = gemm(cols, kdim, 1, b + n0 * pix * d->cout, d->cout, 0, out, d->cout, kdim, d->cout, rows, n0 > 0);
    } else {
      rc = gemm(a + n0 * pix * d->cout, d->cout, 0, b, d->cout, 1, cols, kdim, rows, kdim, d->cout, 0);
      if (rc == 0) col2im(d, cols, n0, count, out);
    }
  }
  return rc;
}


/* ---------- Batch normalisation in training mode, over the rows of [rows, C] ---------- */

/* Thread t's share of `rows`, as [*lo, *hi). */
static void row_range(long rows, int t, int T, long *lo, long *hi) {
  *lo = rows * t / T;
  *hi = rows * (t + 1) / T;
}

/*
 * y = (x − μ)·γr + β with r = 1/√(σ² + ε), the batch mean μ and biased variance σ² of each channel (the
 * last axis) computed in double in two passes (the centred second pass keeps σ² accurate when |μ| ≫ σ).
 * One pass per statistic and one for y, where the tensor ops took about eight over the activations.
 */
static int batch_norm_forward(const float *x, long rows, long C, const float *gamma, const float *beta, float eps, float *y,
                              float *mean, float *var) {
  const int threads = rows * C > 65536 ? g_threads : 1;
  double *part = calloc((size_t)threads * C * 2 + C, sizeof(double));
  float *shift = malloc((size_t)C * 2 * sizeof(float));
  if (!part || !shift) {
    free(part);
    free(shift);
    return -1;
  }
  double *mu = part + (size_t)threads * C * 2;
  float *scale = shift + C;
#pragma omp parallel num_threads(threads)
  {
#ifdef _OPENMP
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
#else
    const int t = 0, T = 1;
#endif
    long lo, hi;
    row_range(rows, t, T, &lo, &hi);
    double *sum = part + (size_t)t * C, *sq = part + (size_t)(T + t) * C;
    for (long r = lo; r < hi; r++)
      for (long i = 0; i < C; i++) sum[i] += x[r * C + i];
#pragma omp barrier
#pragma omp single
    for (long i = 0; i < C; i++) {
      double s = 0;
      for (int u = 0; u < T; u++) s += part[(size_t)u * C + i];
      mu[i] = s / rows;
      mean[i] = (float)mu[i];
    }
    for (long r = lo; r < hi; r++)
      for (long i = 0; i < C; i++) {
        const double d = x[r * C + i] - mu[i];
        sq[i] += d * d;
      }
#pragma omp barrier
#pragma omp single
    for (long i = 0; i < C; i++) {
      double s = 0;
      for (int u = 0; u < T; u++) s += part[(size_t)(T + u) * C + i];
      var[i] = (float)(s / rows);
      scale[i] = gamma[i] / sqrtf(var[i] + eps);
      shift[i] = beta[i];
    }
    for (long r = lo; r < hi; r++)
      for (long i = 0; i < C; i++) y[r * C + i] = (x[r * C + i] - mean[i]) * scale[i] + shift[i];
  }
  free(part);
  free(shift);
  return 0;
}

/*
 * The closed-form gradient of batch_norm_forward: with x̂ = (x − μ)·r and M = rows,
 *   dβ = Σ dy,  dγ = r·Σ dy·(x − μ),  dx = γr·(dy − Σdy/M − x̂·r·Σdy·(x − μ)/M)
 * in two passes (the sums, then dx), the sums in double.
 */
static int batch_norm_backward(const float *dy, const float *x, long rows, long C, const float *gamma, const float *mean,
                               const float *var, float eps, float *dx, float *dgamma, float *dbeta) {
  const int threads = rows * C > 65536 ? g_threads : 1;
  double *part = calloc((size_t)threads * C * 2, sizeof(double));
  float *coef = malloc((size_t)C * 3 * sizeof(float));
  if (!part || !coef) {
    free(part);
    free(coef);
    return -1;
  }
  float *gr = coef, *c1 = coef + C, *c0 = coef + 2 * C;
#pragma omp parallel num_threads(threads)
  {
#ifdef _OPENMP
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
#else
    const int t = 0, T = 1;
#endif
    long lo, hi;
    row_range(rows, t, T, &lo, &hi);
    double *sdy = part + (size_t)t * C, *sdxc = part + (size_t)(T + t) * C;
    for (long r = lo; r < hi; r++)
      for (long i = 0; i < C; i++) {
        const float g = dy[r * C + i];
        sdy[i] += g;
        sdxc[i] += (double)g * (x[r * C + i] - mean[i]);
      }
#pragma omp barrier
#pragma omp single
    for (long i = 0; i < C; i++) {
      double a = 0, b = 0;
      for (int u = 0; u < T; u++) {
        a += part[(size_t)u * C + i];
        b += part[(size_t)(T + u) * C + i];
      }
      const float r = 1.f / sqrtf(var[i] + eps);
      dbeta[i] = (float)a;
      dgamma[i] = (float)(b * r);
      gr[i] = gamma[i] * r;
      c1[i] = (float)(-(double)gr[i] * r * r * b / rows);
      c0[i] = (float)(-(double)gr[i] * a / rows);
    }
    for (long r = lo; r < hi; r++)
      for (long i = 0; i < C; i++) dx[r * C + i] = dy[r * C + i] * gr[i] + (x[r * C + i] - mean[i]) * c1[i] + c0[i];
  }
  free(part);
  free(coef);
  return 0;
}

/* ---------- ReLU and its gradient ---------- */

/* y = max(x, 0) with NaN passed through, as tfjs's Relu kernels compute it. */
static void relu(const float *restrict x, float *restrict y, long n) {
#pragma omp parallel for num_threads(g_threads) schedule(static) if (n > 65536)
  for (long i = 0; i < n; i++) y[i] = x[i] < 0 ? 0.f : x[i];
}

/* dx = dy · step(x): tfjs's Relu gradient (Step gives 1 above zero, 0 at or below, NaN for NaN) in one pass. */
static void relu_grad(const float *restrict dy, const float *restrict x, float *restrict dx, long n) {
#pragma omp parallel for num_threads(g_threads) schedule(static) if (n > 65536)
  for (long i = 0; i < n; i++) dx[i] = dy[i] * (x[i] > 0 ? 1.f : x[i] != x[i] ? x[i] : 0.f);
}

/* ---------- Binary element-wise arithmetic (Add, Sub, Mul, RealDiv) ---------- */

/* How an operand of a [rows, inner] binary op is read: one row for every row, its own row, or one value per row. */
enum { READ_ROW = 0, READ_WHOLE = 1, READ_PER_ROW = 2 };

#define BINARY_LOOP(EXPR)                                                                                              \
  switch (readA * 3 + readB) {                                                                                         \
    case READ_WHOLE * 3 + READ_WHOLE:                                                                                  \
    case READ_WHOLE * 3 + READ_ROW:                                                                                    \
    case READ_ROW * 3 + READ_WHOLE:                                                                                    \
    case READ_ROW * 3 + READ_ROW:                                                                                      \
      for (long j = 0; j < inner; j++) { const float x = pa[j], y = pb[j]; z[j] = (EXPR); }                          \
      break;                                                                                                           \
    case READ_PER_ROW * 3 + READ_WHOLE:                                                                                \
    case READ_PER_ROW * 3 + READ_ROW:                                                                                  \
      for (long j = 0; j < inner; j++) { const float x = pa[0], y = pb[j]; z[j] = (EXPR); }                          \
      break;                                                                                                           \
    default:                                                                                                           \
      for (long j = 0; j < inner; j++) { const float x = pa[j], y = pb[0]; z[j] = (EXPR); }                          \
  }

/*
 * out[r·inner + j] = a op b over `rows` rows of `inner` values, each operand read as one row broadcast to every row
 * (a bias, a per-channel scale), its own row of a whole [rows, inner] tensor (residual adds, gradient accumulation)
 * or one value per row (dividing by row norms). The operator is chosen outside the loops so each loop vectorises.
 */
static void binary_rows(int op, const float *a, int readA, const float *b, int readB, float *out, long rows, long inner) {
  const long strideA = readA == READ_WHOLE ? inner : readA == READ_PER_ROW ? 1 : 0;
  const long strideB = readB == READ_WHOLE ? inner : readB == READ_PER_ROW ? 1 : 0;
#pragma omp parallel for num_threads(g_threads) schedule(static) if (rows * inner > 65536)
  for (long r = 0; r < rows; r++) {
    const float *restrict pa = a + r * strideA;
    const float *restrict pb = b + r * strideB;
    float *restrict z = out + r * inner;
    switch (op) {
      case 0:
        BINARY_LOOP(x + y);
        break;
      case 1:
        BINARY_LOOP(x - y);
        break;
      case 2:
        BINARY_LOOP(x * y);
        break;
      default:
        BINARY_LOOP(x / y);
    }
  }
}

/* ---------- Clipping ---------- */

/* y = min(max(x, lo), hi) with NaN passed through, as tfjs's ClipByValue computes it. */
static void clip_values(const float *restrict x, float lo, float hi, float *restrict y, long n) {
#pragma omp parallel for num_threads(g_threads) schedule(static) if (n > 65536)
  for (long i = 0; i < n; i++) y[i] = x[i] > hi ? hi : (x[i] < lo ? lo : x[i]);
}

/* ---------- Batch normalisation with given statistics (inference) ---------- */

/*
 * y = offset + (x − mean)·scale/√(variance + ε) per channel (the last axis, C values), as tfjs's FusedBatchNorm
 * kernel computes it in double before rounding to float. offset/scale may be NULL (0 and 1).
 */
static void batch_norm_inference(const float *x, long rows, long C, const float *mean, const float *variance, const float *offset,
                                 const float *scale, double eps, float *y) {
#pragma omp parallel for num_threads(g_threads) schedule(static) if (rows * C > 65536)
  for (long r = 0; r < rows; r++) {
    const float *restrict xr = x + r * C;
    float *restrict yr = y + r * C;
    for (long c = 0; c < C; c++) {
      const double s = (scale ? (double)scale[c] : 1.0) / sqrt((double)variance[c] + eps);
      yr[c] = (float)((offset ? (double)offset[c] : 0.0) + ((double)xr[c] - (double)mean[c]) * s);
    }
  }
}

/* ---------- Top-k along the last axis ---------- */

/* Whether (va, ia) ranks before (vb, ib): larger value first, the lower index first among equal values (tfjs's order). */
static inline int ranks_before(float va, int32_t ia, float vb, int32_t ib) { return va > vb || (va == vb && ia < ib); }

/* Restores the heap property below slot i of a heap whose root is the pair ranking last. */
static void sift_down(float *v, int32_t *ix, long n, long i) {
  for (;;) {
    long worst = i, l = 2 * i + 1, r = l + 1;
    if (l < n && ranks_before(v[worst], ix[worst], v[l], ix[l])) worst = l;
    if (r < n && ranks_before(v[worst], ix[worst], v[r], ix[r])) worst = r;
    if (worst == i) return;
    float tv = v[i];
    v[i] = v[worst];
    v[worst] = tv;
    int32_t ti = ix[i];
    ix[i] = ix[worst];
    ix[worst] = ti;
    i = worst;
  }
}

/* The k largest of each row of [rows, cols], sorted (value descending, index ascending): a size-k heap per row. */
static void top_k(const float *x, long rows, long cols, long k, float *values, int32_t *indices) {
#pragma omp parallel for num_threads(g_threads) schedule(dynamic, 4) if (rows * cols > 65536)
  for (long r = 0; r < rows; r++) {
    const float *row = x + r * cols;
    float *v = values + r * k;
    int32_t *ix = indices + r * k;
    for (long j = 0; j < k; j++) {
      v[j] = row[j];
      ix[j] = (int32_t)j;
    }
    for (long j = k / 2 - 1; j >= 0; j--) sift_down(v, ix, k, j);
    for (long j = k; j < cols; j++) {
      if (ranks_before(row[j], (int32_t)j, v[0], ix[0])) {
        v[0] = row[j];
        ix[0] = (int32_t)j;
        sift_down(v, ix, k, 0);
      }
    }
    /* Heap sort: the pair ranking last goes to the end, leaving the row sorted best first. */
    for (long n = k - 1; n > 0; n--) {
      float tv = v[0];
      v[0] = v[n];
      v[n] = tv;
      int32_t ti = ix[0];
      ix[0] = ix[n];
      ix[n] = ti;
      sift_down(v, ix, n, 0);
    }
  }
}

/* ---------- Gaussian noise for the augmentations ---------- */

/*
 * The exact sequence of random.ts's gaussianNoise (mulberry32 uniforms, Marsaglia's polar method, double
 * arithmetic, rounded to float at the end), so a run's views do not depend on whether the native kernels
 * loaded. Contraction into FMAs would round u² + v² differently from JavaScript, hence it is switched off.
 */
#if defined(__clang__)
#define NO_FP_CONTRACT
#elif defined(__GNUC__)
#define NO_FP_CONTRACT __attribute__((optimize("fp-contract=off")))
#else
#define NO_FP_CONTRACT
#endif

static inline double mulberry32_next(uint32_t *state) {
  uint32_t a = *state += 0x6d2b79f5u;
  uint32_t t = (a ^ (a >> 15)) * (a | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return (double)(t ^ (t >> 14)) / 4294967296.0;
}

NO_FP_CONTRACT static void gaussian_noise(float *out, long length, double std, uint32_t seed) {
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif
  uint32_t state = seed;
  for (long i = 0; i < length; i += 2) {
    double u, v, s;
    do {
      u = 2 * mulberry32_next(&state) - 1;
      v = 2 * mulberry32_next(&state) - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    const double f = std * sqrt((-2 * log(s)) / s);
    out[i] = (float)(u * f);
    if (i + 1 < length) out[i + 1] = (float)(v * f);
  }
}

/* ---------- Adam (with decoupled weight decay), in place ---------- */

/*
 * One Adam step on n parameters, the same float32 arithmetic as tfjs's AdamOptimizer, then x *= decay
 * (AdamW's decoupled weight decay, 1 for none). One pass instead of the ~12 whole-tensor ops tfjs runs.
 */
static void adam_step(float *restrict x, float *restrict m, float *restrict v, const float *restrict g, long n, float lr,
                      float beta1, float beta2, float eps, float oneMinusAcc1, float oneMinusAcc2, float decay) {
  const float c1 = 1.f - beta1, c2 = 1.f - beta2;
#pragma omp parallel for num_threads(g_threads) schedule(static) if (n > 65536)
  for (long i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] * beta1 + gi * c1;
    const float vi = v[i] * beta2 + (gi * gi) * c2;
    m[i] = mi;
    v[i] = vi;
    const float step = (mi / oneMinusAcc1) / (sqrtf(vi / oneMinusAcc2) + eps);
    x[i] = (step * -lr + x[i]) * decay;
  }
}


/* ---------- Image resampling for the augmentations (tf.image.cropAndResize, tf.image.transform) ---------- */

/* Where one output column of a crop samples its image; the same for every row of the box. */
typedef struct {
  int inside;
  long left, right, nearest;
  double weight;
} CropColumn;

/* One box: `src` is its image (H×W×C), `dst` its cropH×cropW×C output, `cols` room for cropW columns. */
static void crop_box(const float *src, const float *box, float *dst, long H, long W, long C, long cropH, long cropW, int bilinear,
                     float extrapolation, CropColumn *cols) {
  const double y1 = box[0], x1 = box[1], y2 = box[2], x2 = box[3];
  const double hs = cropH > 1 ? (y2 - y1) * (double)(H - 1) / (double)(cropH - 1) : 0;
  const double ws = cropW > 1 ? (x2 - x1) * (double)(W - 1) / (double)(cropW - 1) : 0;
  for (long x = 0; x < cropW; x++) {
    const double xi = cropW > 1 ? x1 * (double)(W - 1) + (double)x * ws : 0.5 * (x1 + x2) * (double)(W - 1);
    CropColumn *col = cols + x;
    col->inside = !(xi < 0 || xi > (double)(W - 1));
    col->left = col->inside ? (long)floor(xi) : 0;
    col->right = col->inside ? (long)ceil(xi) : 0;
    col->weight = xi - (double)col->left;
    col->nearest = col->inside ? lround(xi) : 0;
  }
  for (long y = 0; y < cropH; y++) {
    const double yi = cropH > 1 ? y1 * (double)(H - 1) + (double)y * hs : 0.5 * (y1 + y2) * (double)(H - 1);
    float *row = dst + y * cropW * C;
    if (yi < 0 || yi > (double)(H - 1)) {
      for (long k = 0; k < cropW * C; k++) row[k] = extrapolation;
      continue;
    }
    const long top = (long)floor(yi), bottom = (long)ceil(yi), nearestY = lround(yi);
    const double yl = yi - (double)top;
    for (long x = 0; x < cropW; x++) {
      const CropColumn *col = cols + x;
      float *px = row + x * C;
      if (!col->inside) {
        for (long c = 0; c < C; c++) px[c] = extrapolation;
      } else if (bilinear) {
        for (long c = 0; c < C; c++) {
          const double tl = src[(top * W + col->left) * C + c], tr = src[(top * W + col->right) * C + c];
          const double bl = src[(bottom * W + col->left) * C + c], br = src[(bottom * W + col->right) * C + c];
          const double t = tl + (tr - tl) * col->weight, bo = bl + (br - bl) * col->weight;
          px[c] = (float)(t + (bo - t) * yl);
        }
      } else {
        for (long c = 0; c < C; c++) px[c] = src[(nearestY * W + col->nearest) * C + c];
      }
    }
  }
}

/*
 * CropAndResize, as TensorFlow's crop_and_resize_op.cc (and tfjs's cpu kernel): box b samples image
 * boxInd[b] on a cropH × cropW grid spanning [y1, y2] × [x1, x2] (normalised; x1 > x2 mirrors), bilinear
 * or nearest, `extrapolation` outside the image. Coordinates in double, as the reference computes them.
 * Returns -1 when memory runs out.
 */
static int crop_and_resize(const float *image, const float *boxes, const int32_t *boxInd, float *out, long batch, long H,
                           long W, long C, long numBoxes, long cropH, long cropW, int bilinear, float extrapolation) {
  int failed = 0;
#pragma omp parallel num_threads(g_threads) if (numBoxes * cropH * cropW * C > 16384)
  {
    CropColumn *cols = malloc((size_t)cropW * sizeof(CropColumn));
    if (!cols) {
#pragma omp atomic write
      failed = 1;
    }
#pragma omp for schedule(static)
    for (long b = 0; b < numBoxes; b++) {
      const long img = boxInd[b];
      float *dst = out + b * cropH * cropW * C;
      if (img < 0 || img >= batch) /* the reference leaves such boxes at zero */
        memset(dst, 0, (size_t)(cropH * cropW * C) * sizeof(float));
      else if (cols)
        crop_box(image + img * H * W * C, boxes + b * 4, dst, H, W, C, cropH, cropW, bilinear, extrapolation, cols);
    }
    free(cols);
  }
  return failed ? -1 : 0;
}

static inline float read_or_fill(const float *src, long H, long W, long C, long y, long x, long c, float fill) {
  return (0 <= y && y < H && 0 <= x && x < W) ? src[(y * W + x) * C + c] : fill;
}

/*
 * Transform (projective warp) as tfjs's cpu kernel and TensorFlow's image_ops.h: output pixel (x, y) samples the
 * input at ((a0 x + a1 y + a2) / p, (b0 x + b1 y + b2) / p), p = c0 x + c1 y + 1, with fill mode 'constant'
 * (fillNearest = 0) or 'nearest' (clamped coordinates), bilinear or nearest interpolation.
 */
static void transform_images(const float *image, const float *transforms, long numTransforms, float *out, long batch, long H,
                             long W, long C, long outH, long outW, int bilinear, int fillNearest, float fill) {
#pragma omp parallel for num_threads(g_threads) schedule(static) if (batch * outH * outW * C > 16384)
  for (long b = 0; b < batch; b++) {
    const float *t = transforms + (numTransforms == 1 ? 0 : b * 8);
    const double a0 = t[0], a1 = t[1], a2 = t[2], b0 = t[3], b1 = t[4], b2 = t[5], c0 = t[6], c1 = t[7];
    const float *src = image + b * H * W * C;
    float *dst = out + b * outH * outW * C;
    for (long oy = 0; oy < outH; oy++)
      for (long ox = 0; ox < outW; ox++) {
        float *px = dst + (oy * outW + ox) * C;
        const double proj = c0 * (double)ox + c1 * (double)oy + 1;
        if (proj == 0) {
          for (long c = 0; c < C; c++) px[c] = fill;
          continue;
        }
        double x = a0 * (double)ox + a1 * (double)oy + a2;
        double y = b0 * (double)ox + b1 * (double)oy + b2;
        /* Affine maps (the augmentations') have proj exactly 1: two divisions were most of the per-pixel cost. */
        if (proj != 1) {
          x /= proj;
          y /= proj;
        }
        if (fillNearest) {
          x = x < 0 ? 0 : x > (double)(W - 1) ? (double)(W - 1) : x;
          y = y < 0 ? 0 : y > (double)(H - 1) ? (double)(H - 1) : y;
        }
        if (bilinear) {
          const double yf = floor(y), xf = floor(x), yc = yf + 1, xc = xf + 1;
          const long iyf = (long)yf, ixf = (long)xf, iyc = (long)yc, ixc = (long)xc;
          if (iyf >= 0 && ixf >= 0 && iyc < H && ixc < W) {
            /* All four taps inside (most pixels): the same sums without a bounds check per tap. */
            const float *p00 = src + (iyf * W + ixf) * C, *p01 = src + (iyf * W + ixc) * C;
            const float *p10 = src + (iyc * W + ixf) * C, *p11 = src + (iyc * W + ixc) * C;
            for (long c = 0; c < C; c++) {
              const double top = (xc - x) * p00[c] + (x - xf) * p01[c];
              const double bot = (xc - x) * p10[c] + (x - xf) * p11[c];
              px[c] = (float)((yc - y) * top + (y - yf) * bot);
            }
            continue;
          }
          for (long c = 0; c < C; c++) {
            const double top = (xc - x) * read_or_fill(src, H, W, C, iyf, ixf, c, fill) + (x - xf) * read_or_fill(src, H, W, C, iyf, ixc, c, fill);
            const double bot = (xc - x) * read_or_fill(src, H, W, C, iyc, ixf, c, fill) + (x - xf) * read_or_fill(src, H, W, C, iyc, ixc, c, fill);
            px[c] = (float)((yc - y) * top + (y - yf) * bot);
          }
        } else {
          /* JavaScript's Math.round: halves round up. */
          const long iy = (long)floor(y + 0.5), ix = (long)floor(x + 0.5);
          for (long c = 0; c < C; c++) px[c] = read_or_fill(src, H, W, C, iy, ix, c, fill);
        }
      }
  }
}

/* ---------- Node-API glue ---------- */

#define CHECK(call)                                                                                                    \
  do {                                                                                                                 \
    if ((call) != napi_ok) {                                                                                           \
      napi_throw_error(env, NULL, "fast-native: " #call " failed");                                                   \
      return NULL;                                                                                                     \
    }                                                                                                                  \
  } while (0)

/* Declares argv[n] and fills it with the call's arguments; a call with another count throws a TypeError. */
#define ARGS(n)                                                                                                        \
  size_t argc = (n);                                                                                                   \
  napi_value argv[(n)];                                                                                                \
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));                                                         \
  if (argc != (n)) {                                                                                                   \
    napi_throw_type_error(env, NULL, "fast-native: expected " #n " arguments");                                     \
    return NULL;                                                                                                       \
  }

/* A typed-array argument of the given type: its data and length (in elements), or a TypeError saying `expected`. */
static int typed_arg(napi_env env, napi_value v, napi_typedarray_type want, const char *expected, void **data, size_t *length) {
  napi_typedarray_type type;
  napi_value buf;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &buf, &offset) != napi_ok || type != want) {
    napi_throw_type_error(env, NULL, expected);
    return 0;
  }
  return 1;
}

static int f32_arg(napi_env env, napi_value v, float **data, size_t *length) {
  return typed_arg(env, v, napi_float32_array, "fast-native: expected a Float32Array", (void **)data, length);
}

static int i32_arg(napi_env env, napi_value v, int32_t **data, size_t *length) {
  return typed_arg(env, v, napi_int32_array, "fast-native: expected an Int32Array", (void **)data, length);
}

/* A Float64Array of parameters; `expected` names what it must be. */
static int f64_arg(napi_env env, napi_value v, const char *expected, const double **data, size_t *length) {
  return typed_arg(env, v, napi_float64_array, expected, (void **)data, length);
}

static int num_arg(napi_env env, napi_value v, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "fast-native: expected a number");
    return 0;
  }
  return 1;
}

/*
 * gemm(a, b, c, m, n, k, transA, transB, accumulate, batch, strideA, strideB, strideC)
 * For each of `batch` entries: c[e] (+)= op(a[e])·op(b[e]); strides are in elements (0 broadcasts).
 * Bounds are checked here so that a wrong call throws instead of scribbling over the heap.
 */
static napi_value js_gemm(napi_env env, napi_callback_info info) {
  ARGS(13);
  float *a, *b, *c;
  size_t la, lb, lc;
  double v[10];
  if (!f32_arg(env, argv[0], &a, &la) || !f32_arg(env, argv[1], &b, &lb) || !f32_arg(env, argv[2], &c, &lc)) return NULL;
  for (int i = 0; i < 10; i++)
    if (!num_arg(env, argv[3 + i], &v[i])) return NULL;
  const long M = (long)v[0], N = (long)v[1], K = (long)v[2];
  const int transA = v[3] != 0, transB = v[4] != 0, accumulate = v[5] != 0;
  const long batch = (long)v[6], sA = (long)v[7], sB = (long)v[8], sC = (long)v[9];
  if (M < 0 || N < 0 || K < 0 || batch < 1 || sA < 0 || sB < 0 || sC < 0 ||
      (size_t)((batch - 1) * sA + M * K) > la || (size_t)((batch - 1) * sB + K * N) > lb ||
      (size_t)((batch - 1) * sC + M * N) > lc) {
    napi_throw_range_error(env, NULL, "fast-native: gemm operands are smaller than the shapes given");
    return NULL;
  }
  for (long e = 0; e < batch; e++) {
    if (gemm(a + e * sA, transA ? M : K, transA, b + e * sB, transB ? K : N, transB, c + e * sC, N, M, N, K, accumulate) !=
        0) {
      napi_throw_error(env, NULL, "fast-native: out of memory for GEMM packing buffers");
      return NULL;
    }
  }
  return NULL;
}


/*
 * conv(mode, a, b, out, dims: Float64Array(15)) with dims n, h, w, cin, kh, kw, cout, oh, ow, strideH, strideW,
 * padTop, padLeft, dilationH, dilationW; see conv_gemm for what (a, b, out) are in each mode.
 */
static napi_value js_conv(napi_env env, napi_callback_info info) {
  ARGS(5);
  double mode;
  float *a, *b, *out;
  size_t la, lb, lo, ld;
  const double *v;
  static const char dimsMessage[] = "fast-native: conv dims must be a Float64Array of 15 numbers";
  if (!num_arg(env, argv[0], &mode) || !f32_arg(env, argv[1], &a, &la) || !f32_arg(env, argv[2], &b, &lb) ||
      !f32_arg(env, argv[3], &out, &lo) || !f64_arg(env, argv[4], dimsMessage, &v, &ld))
    return NULL;
  if (ld != 15) {
    napi_throw_type_error(env, NULL, dimsMessage);
    return NULL;
  }
  ConvDims d = {(long)v[0], (long)v[1], (long)v[2], (long)v[3], (long)v[4], (long)v[5], (long)v[6], (long)v[7],
                (long)v[8], (long)v[9], (long)v[10], (long)v[11], (long)v[12], (long)v[13], (long)v[14]};
  const size_t xs = (size_t)(d.n * d.h * d.w * d.cin), ws = (size_t)(d.kh * d.kw * d.cin * d.cout),
               ys = (size_t)(d.n * d.oh * d.ow * d.cout);
  const int m = (int)mode;
  const size_t need[3][3] = {{xs, ws, ys}, {xs, ys, ws}, {ys, ws, xs}};
  if (m < 0 || m > 2 || d.n < 1 || d.h < 1 || d.w < 1 || d.cin < 1 || d.kh < 1 || d.kw < 1 || d.cout < 1 || d.oh < 1 ||
      d.ow < 1 || d.sh < 1 || d.sw < 1 || d.dh < 1 || d.dw < 1 || la < need[m][0] || lb < need[m][1] || lo < need[m][2]) {
    napi_throw_range_error(env, NULL, "fast-native: conv operands do not match the dimensions given");
    return NULL;
  }
  if (conv_gemm(m, &d, a, b, out) != 0) {
    napi_throw_error(env, NULL, "fast-native: out of memory for the convolution's patch matrix");
    return NULL;
  }
  return NULL;
}


/* adam(x, m, v, g, params: Float64Array [lr, beta1, beta2, epsilon, 1 − beta1^t, 1 − beta2^t, decay]) */
static napi_value js_adam(napi_env env, napi_callback_info info) {
  ARGS(5);
  float *x, *m, *v, *g;
  size_t lx, lm, lv, lg, lp;
  const double *p;
  static const char paramsMessage[] = "fast-native: adam params must be a Float64Array of 7 numbers";
  if (!f32_arg(env, argv[0], &x, &lx) || !f32_arg(env, argv[1], &m, &lm) || !f32_arg(env, argv[2], &v, &lv) ||
      !f32_arg(env, argv[3], &g, &lg) || !f64_arg(env, argv[4], paramsMessage, &p, &lp))
    return NULL;
  if (lp != 7) {
    napi_throw_type_error(env, NULL, paramsMessage);
    return NULL;
  }
  if (lm != lx || lv != lx || lg != lx) {
    napi_throw_range_error(env, NULL, "fast-native: adam's parameter, moments and gradient differ in size");
    return NULL;
  }
  adam_step(x, m, v, g, (long)lx, (float)p[0], (float)p[1], (float)p[2], (float)p[3], (float)p[4], (float)p[5], (float)p[6]);
  return NULL;
}


/* middleSums(src, outer, middle, inner, scale, out): out[o, i] = scale · Σ_m src[o, m, i]. */
static napi_value js_middle_sums(napi_env env, napi_callback_info info) {
  ARGS(6);
  float *src, *out;
  size_t ls, lo;
  double outer, middle, inner, scale;
  if (!f32_arg(env, argv[0], &src, &ls) || !num_arg(env, argv[1], &outer) || !num_arg(env, argv[2], &middle) ||
      !num_arg(env, argv[3], &inner) || !num_arg(env, argv[4], &scale) || !f32_arg(env, argv[5], &out, &lo))
    return NULL;
  if (outer < 0 || middle < 0 || inner < 0 || (size_t)(outer * middle * inner) > ls || (size_t)(outer * inner) > lo) {
    napi_throw_range_error(env, NULL, "fast-native: middleSums operands are smaller than the shapes given");
    return NULL;
  }
  if (middle_sums(src, (long)outer, (long)middle, (long)inner, scale, out) != 0) {
    napi_throw_error(env, NULL, "fast-native: out of memory for sums");
    return NULL;
  }
  return NULL;
}

/* spreadMiddle(src, outer, middle, inner, divisor, out): out[o, m, i] = src[o, i] / divisor. */
static napi_value js_spread_middle(napi_env env, napi_callback_info info) {
  ARGS(6);
  float *src, *out;
  size_t ls, lo;
  double outer, middle, inner, divisor;
  if (!f32_arg(env, argv[0], &src, &ls) || !num_arg(env, argv[1], &outer) || !num_arg(env, argv[2], &middle) ||
      !num_arg(env, argv[3], &inner) || !num_arg(env, argv[4], &divisor) || !f32_arg(env, argv[5], &out, &lo))
    return NULL;
  if (outer < 0 || middle < 0 || inner < 0 || (size_t)(outer * inner) > ls || (size_t)(outer * middle * inner) > lo) {
    napi_throw_range_error(env, NULL, "fast-native: spreadMiddle operands are smaller than the shapes given");
    return NULL;
  }
  spread_middle(src, (long)outer, (long)middle, (long)inner, (float)divisor, out);
  return NULL;
}

/* exp(x, y): y = e^x over equal-length Float32Arrays. */
static napi_value js_exp(napi_env env, napi_callback_info info) {
  ARGS(2);
  float *x, *y;
  size_t lx, ly;
  if (!f32_arg(env, argv[0], &x, &lx) || !f32_arg(env, argv[1], &y, &ly)) return NULL;
  if (lx != ly) {
    napi_throw_range_error(env, NULL, "fast-native: exp operands differ in length");
    return NULL;
  }
  exp_elementwise(x, y, (long)lx);
  return NULL;
}



/* cropAndResize(image, boxes, boxInd, out, batch, h, w, c, cropH, cropW, bilinear, extrapolation) */
static napi_value js_crop_and_resize(napi_env env, napi_callback_info info) {
  ARGS(12);
  float *image, *boxes, *out;
  int32_t *boxInd;
  size_t li, lb, lbi, lo;
  double v[8];
  if (!f32_arg(env, argv[0], &image, &li) || !f32_arg(env, argv[1], &boxes, &lb) || !i32_arg(env, argv[2], &boxInd, &lbi) ||
      !f32_arg(env, argv[3], &out, &lo))
    return NULL;
  for (int i = 0; i < 8; i++)
    if (!num_arg(env, argv[4 + i], &v[i])) return NULL;
  const long batch = (long)v[0], H = (long)v[1], W = (long)v[2], C = (long)v[3], cropH = (long)v[4], cropW = (long)v[5];
  const long numBoxes = (long)(lbi);
  if (batch < 0 || H < 1 || W < 1 || C < 1 || cropH < 1 || cropW < 1 || (size_t)(batch * H * W * C) > li ||
      lb < (size_t)numBoxes * 4 || lo < (size_t)(numBoxes * cropH * cropW * C)) {
    napi_throw_range_error(env, NULL, "fast-native: cropAndResize operands do not match the shapes given");
    return NULL;
  }
  if (crop_and_resize(image, boxes, boxInd, out, batch, H, W, C, numBoxes, cropH, cropW, v[6] != 0, (float)v[7]) != 0)
    napi_throw_error(env, NULL, "fast-native: out of memory for crop and resize");
  return NULL;
}

/* transform(image, transforms, out, batch, h, w, c, outH, outW, bilinear, fillNearest, fillValue) */
static napi_value js_transform(napi_env env, napi_callback_info info) {
  ARGS(12);
  float *image, *transforms, *out;
  size_t li, lt, lo;
  double v[9];
  if (!f32_arg(env, argv[0], &image, &li) || !f32_arg(env, argv[1], &transforms, &lt) || !f32_arg(env, argv[2], &out, &lo))
    return NULL;
  for (int i = 0; i < 9; i++)
    if (!num_arg(env, argv[3 + i], &v[i])) return NULL;
  const long batch = (long)v[0], H = (long)v[1], W = (long)v[2], C = (long)v[3], outH = (long)v[4], outW = (long)v[5];
  const long numTransforms = (long)(lt / 8);
  if (batch < 0 || H < 1 || W < 1 || C < 1 || outH < 1 || outW < 1 || (size_t)(batch * H * W * C) > li || lt % 8 != 0 ||
      !(numTransforms == 1 || numTransforms == batch) || lo < (size_t)(batch * outH * outW * C)) {
    napi_throw_range_error(env, NULL, "fast-native: transform operands do not match the shapes given");
    return NULL;
  }
  transform_images(image, transforms, numTransforms, out, batch, H, W, C, outH, outW, v[6] != 0, v[7] != 0, (float)v[8]);
  return NULL;
}

/* batchNormForward(x, gamma, beta, y, mean, variance, epsilon): channels = gamma.length, rows = x.length / channels. */
static napi_value js_batch_norm_forward(napi_env env, napi_callback_info info) {
  ARGS(7);
  float *x, *gamma, *beta, *y, *mean, *var;
  size_t lx, lg, lb, ly, lm, lv;
  double eps;
  if (!f32_arg(env, argv[0], &x, &lx) || !f32_arg(env, argv[1], &gamma, &lg) || !f32_arg(env, argv[2], &beta, &lb) ||
      !f32_arg(env, argv[3], &y, &ly) || !f32_arg(env, argv[4], &mean, &lm) || !f32_arg(env, argv[5], &var, &lv) ||
      !num_arg(env, argv[6], &eps))
    return NULL;
  if (lg == 0 || lx % lg != 0 || lb != lg || lm != lg || lv != lg || ly != lx) {
    napi_throw_range_error(env, NULL, "fast-native: batchNormForward operands do not match (x: rows × channels; gamma, beta, mean, variance: channels; y as x)");
    return NULL;
  }
  if (batch_norm_forward(x, (long)(lx / lg), (long)lg, gamma, beta, (float)eps, y, mean, var) != 0) {
    napi_throw_error(env, NULL, "fast-native: out of memory for batch norm");
  }
  return NULL;
}

/* batchNormBackward(dy, x, gamma, mean, variance, dx, dgamma, dbeta, epsilon) */
static napi_value js_batch_norm_backward(napi_env env, napi_callback_info info) {
  ARGS(9);
  float *dy, *x, *gamma, *mean, *var, *dx, *dgamma, *dbeta;
  size_t ldy, lx, lg, lm, lv, ldx, ldg, ldb;
  double eps;
  if (!f32_arg(env, argv[0], &dy, &ldy) || !f32_arg(env, argv[1], &x, &lx) || !f32_arg(env, argv[2], &gamma, &lg) ||
      !f32_arg(env, argv[3], &mean, &lm) || !f32_arg(env, argv[4], &var, &lv) || !f32_arg(env, argv[5], &dx, &ldx) ||
      !f32_arg(env, argv[6], &dgamma, &ldg) || !f32_arg(env, argv[7], &dbeta, &ldb) || !num_arg(env, argv[8], &eps))
    return NULL;
  if (lg == 0 || lx % lg != 0 || ldy != lx || ldx != lx || lm != lg || lv != lg || ldg != lg || ldb != lg) {
    napi_throw_range_error(env, NULL, "fast-native: batchNormBackward operands do not match (dy, x, dx: rows × channels; the rest: channels)");
    return NULL;
  }
  if (batch_norm_backward(dy, x, (long)(lx / lg), (long)lg, gamma, mean, var, (float)eps, dx, dgamma, dbeta) != 0) {
    napi_throw_error(env, NULL, "fast-native: out of memory for batch norm");
  }
  return NULL;
}

/* relu(x, y) and reluGrad(dy, x, dx): element-wise over equal-length Float32Arrays. */
static napi_value relu_glue(napi_env env, napi_callback_info info, int grad) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const size_t want = grad ? 3 : 2;
  float *p[3];
  size_t len[3];
  if (argc != want) {
    napi_throw_type_error(env, NULL, grad ? "fast-native: reluGrad takes (dy, x, dx)" : "fast-native: relu takes (x, y)");
    return NULL;
  }
  for (size_t i = 0; i < want; i++)
    if (!f32_arg(env, argv[i], &p[i], &len[i])) return NULL;
  for (size_t i = 1; i < want; i++)
    if (len[i] != len[0]) {
      napi_throw_range_error(env, NULL, "fast-native: relu operands differ in length");
      return NULL;
    }
  if (grad) relu_grad(p[0], p[1], p[2], (long)len[0]);
  else relu(p[0], p[1], (long)len[0]);
  return NULL;
}

static napi_value js_relu(napi_env env, napi_callback_info info) { return relu_glue(env, info, 0); }
static napi_value js_relu_grad(napi_env env, napi_callback_info info) { return relu_glue(env, info, 1); }

/* imageNoise(out, size, std, seeds: Float64Array): image i's `size` values as random.ts's gaussianNoise(size, std,
 * seeds[i]), the images on every thread. */
static napi_value js_image_noise(napi_env env, napi_callback_info info) {
  ARGS(4);
  float *out;
  size_t lo, ls;
  double size, std;
  const double *seeds;
  if (!f32_arg(env, argv[0], &out, &lo) || !num_arg(env, argv[1], &size) || !num_arg(env, argv[2], &std) ||
      !f64_arg(env, argv[3], "fast-native: imageNoise seeds must be a Float64Array", &seeds, &ls))
    return NULL;
  if (size < 0 || (size_t)size * ls != lo) {
    napi_throw_range_error(env, NULL, "fast-native: imageNoise needs out.length = size × seeds.length");
    return NULL;
  }
  const long images = (long)ls, n = (long)size;
#pragma omp parallel for num_threads(g_threads) schedule(static) if (images * n > 16384)
  for (long i = 0; i < images; i++) {
    /* JavaScript's `seed >>> 0`: the number modulo 2^32. */
    const double wrapped = fmod(trunc(seeds[i]), 4294967296.0);
    gaussian_noise(out + i * n, n, std, (uint32_t)(int64_t)(wrapped < 0 ? wrapped + 4294967296.0 : wrapped));
  }
  return NULL;
}

/* binary(op, a, readA, b, readB, out, rows, inner): op 0 add, 1 sub, 2 mul, 3 div; reads as in binary_rows
 * (0: one row of `inner` values, 1: the whole [rows, inner], 2: one value per row). */
static napi_value js_binary(napi_env env, napi_callback_info info) {
  ARGS(8);
  float *a, *b, *out;
  size_t la, lb, lo;
  double op, ra, rb, rows, inner;
  if (!num_arg(env, argv[0], &op) || !f32_arg(env, argv[1], &a, &la) || !num_arg(env, argv[2], &ra) ||
      !f32_arg(env, argv[3], &b, &lb) || !num_arg(env, argv[4], &rb) || !f32_arg(env, argv[5], &out, &lo) ||
      !num_arg(env, argv[6], &rows) || !num_arg(env, argv[7], &inner))
    return NULL;
  const double need[3] = {inner, rows * inner, rows};
  const int reads_ok = ra >= 0 && ra <= 2 && rb >= 0 && rb <= 2 && ra == (int)ra && rb == (int)rb && !(ra == 2 && rb == 2);
  if (op < 0 || op > 3 || rows < 0 || inner < 1 || !reads_ok || (double)la != need[(int)ra] || (double)lb != need[(int)rb] ||
      (double)lo != rows * inner) {
    napi_throw_range_error(env, NULL, "fast-native: binary operands do not fit [rows, inner]");
    return NULL;
  }
  binary_rows((int)op, a, (int)ra, b, (int)rb, out, (long)rows, (long)inner);
  return NULL;
}

/* batchNormInference(x, mean, variance, offset, scale, epsilon, y): channels = mean.length; an empty offset/scale is 0/1. */
static napi_value js_batch_norm_inference(napi_env env, napi_callback_info info) {
  ARGS(7);
  float *x, *mean, *var, *off, *scale, *y;
  size_t lx, lm, lv, lo, ls, ly;
  double eps;
  if (!f32_arg(env, argv[0], &x, &lx) || !f32_arg(env, argv[1], &mean, &lm) || !f32_arg(env, argv[2], &var, &lv) ||
      !f32_arg(env, argv[3], &off, &lo) || !f32_arg(env, argv[4], &scale, &ls) || !num_arg(env, argv[5], &eps) ||
      !f32_arg(env, argv[6], &y, &ly))
    return NULL;
  if (lm == 0 || lv != lm || (lo != 0 && lo != lm) || (ls != 0 && ls != lm) || lx % lm != 0 || ly != lx) {
    napi_throw_range_error(env, NULL, "fast-native: batchNormInference needs per-channel statistics of x's last axis");
    return NULL;
  }
  batch_norm_inference(x, (long)(lx / lm), (long)lm, mean, var, lo ? off : NULL, ls ? scale : NULL, eps, y);
  return NULL;
}

/* topK(x, cols, k, values, indices): the k largest of each row of x seen as [x.length / cols, cols], sorted. */
static napi_value js_top_k(napi_env env, napi_callback_info info) {
  ARGS(5);
  float *x, *values;
  int32_t *indices;
  size_t lx, lv, li;
  double cols, k;
  if (!f32_arg(env, argv[0], &x, &lx) || !num_arg(env, argv[1], &cols) || !num_arg(env, argv[2], &k) ||
      !f32_arg(env, argv[3], &values, &lv) || !i32_arg(env, argv[4], &indices, &li))
    return NULL;
  if (cols < 1 || k < 1 || k > cols || lx % (size_t)cols != 0 || lv != lx / (size_t)cols * (size_t)k || li != lv) {
    napi_throw_range_error(env, NULL, "fast-native: topK needs 1 <= k <= cols and outputs of rows × k");
    return NULL;
  }
  top_k(x, (long)(lx / (size_t)cols), (long)cols, (long)k, values, indices);
  return NULL;
}

/* clip(x, lo, hi, y): element-wise over equal-length Float32Arrays. */
static napi_value js_clip(napi_env env, napi_callback_info info) {
  ARGS(4);
  float *x, *y;
  size_t lx, ly;
  double lo, hi;
  if (!f32_arg(env, argv[0], &x, &lx) || !num_arg(env, argv[1], &lo) || !num_arg(env, argv[2], &hi) || !f32_arg(env, argv[3], &y, &ly)) return NULL;
  if (lx != ly) {
    napi_throw_range_error(env, NULL, "fast-native: clip operands differ in length");
    return NULL;
  }
  clip_values(x, (float)lo, (float)hi, y, (long)lx);
  return NULL;
}

/* setThreads(n) → the thread count now in use (1 when built without OpenMP). */
static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double n = 1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1 && !num_arg(env, argv[0], &n)) return NULL;
#ifdef _OPENMP
  g_threads = n < 1 ? 1 : (int)n;
#else
  g_threads = 1;
#endif
  napi_value out;
  CHECK(napi_create_int32(env, g_threads, &out));
  return out;
}

/* What this build was compiled for, for the run's backend record. */
static napi_value js_describe(napi_env env, napi_callback_info info) {
  (void)info;
#if defined(__AVX512F__)
  const char *isa = "avx512";
#elif defined(__AVX2__) && defined(__FMA__)
  const char *isa = "avx2-fma";
#elif defined(__ARM_NEON)
  const char *isa = "neon";
#else
  const char *isa = "generic";
#endif
  napi_value out;
  CHECK(napi_create_string_utf8(env, isa, NAPI_AUTO_LENGTH, &out));
  return out;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"gemm", NULL, js_gemm, NULL, NULL, NULL, napi_default, NULL},
      {"conv", NULL, js_conv, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, js_adam, NULL, NULL, NULL, napi_default, NULL},
      {"middleSums", NULL, js_middle_sums, NULL, NULL, NULL, napi_default, NULL},
      {"spreadMiddle", NULL, js_spread_middle, NULL, NULL, NULL, napi_default, NULL},
      {"exp", NULL, js_exp, NULL, NULL, NULL, napi_default, NULL},
      {"binary", NULL, js_binary, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormInference", NULL, js_batch_norm_inference, NULL, NULL, NULL, napi_default, NULL},
      {"topK", NULL, js_top_k, NULL, NULL, NULL, napi_default, NULL},
      {"clip", NULL, js_clip, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormForward", NULL, js_batch_norm_forward, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormBackward", NULL, js_batch_norm_backward, NULL, NULL, NULL, napi_default, NULL},
      {"imageNoise", NULL, js_image_noise, NULL, NULL, NULL, napi_default, NULL},
      {"relu", NULL, js_relu, NULL, NULL, NULL, napi_default, NULL},
      {"reluGrad", NULL, js_relu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"cropAndResize", NULL, js_crop_and_resize, NULL, NULL, NULL, napi_default, NULL},
      {"transform", NULL, js_transform, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"describe", NULL, js_describe, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}
