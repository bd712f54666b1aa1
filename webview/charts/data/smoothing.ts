/**
 * TensorBoard's scalar smoothing: an exponential moving average divided by (1 − w^n), which removes the
 * pull towards the zero the average starts from. Without the correction the first few hundred points of a
 * heavily smoothed loss curve would rise from 0. Non-finite points pass through unsmoothed and do not
 * update the average; a constant series is returned as is (TensorBoard does the same, so a flat line does
 * not wobble from floating-point error).
 */
export function debiasedEma(values: ArrayLike<number>, weight: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const w = Math.min(Math.max(weight, 0), 1);
  let constant = true;
  for (let i = 1; i < n && constant; i++) constant = values[i] === values[0];
  let last = 0;
  let wPow = 1; // w^numAccumulated, kept as a running product instead of Math.pow per point
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (constant || !Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    // Once w^n < 1e-20, 1 − w^n is exactly 1 in double precision; flushing to zero then changes no result
    // but keeps the product out of denormal numbers, which made this loop several times slower.
    wPow = wPow < 1e-20 ? 0 : wPow * w;
    const debias = w === 1 ? 1 : 1 - wPow;
    out[i] = last / debias;
  }
  return out;
}
