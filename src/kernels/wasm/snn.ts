// AssemblyScript source of the SNN hot loops (compiled by `npm run build:wasm` with SIMD enabled).
//
// Conventions shared with the TypeScript twins in src/kernels/snn-kernels.ts:
// - every pointer is a byte offset into the imported memory, 16-byte aligned;
// - vectors of neurons are padded to a multiple of 4 lanes (`n4`), and a weight matrix is row-major by
//   pre-synaptic neuron with a row stride of `stride` floats (a multiple of 4);
// - arithmetic is IEEE float32, one rounding per operation, in the same order as the twins and as the PyTorch
//   reference in fixture mode, so all three agree bit for bit.
// No allocation happens here: the host owns the memory layout.

/** out[j] += w[r_0][j] + w[r_1][j] + ... (added one row after another), for j < stride. */
export function addRows(w: usize, stride: i32, rows: usize, nRows: i32, out: usize): void {
  if (nRows <= 0) return;
  const rowBytes = <usize>stride << 2;
  // Blocks of 16 columns kept in registers while all rows are added: the per-element order of the additions
  // is the row order, as in the scalar twin.
  let j: usize = 0;
  const end = rowBytes;
  for (; j + 64 <= end; j += 64) {
    let a0 = v128.load(out + j);
    let a1 = v128.load(out + j, 16);
    let a2 = v128.load(out + j, 32);
    let a3 = v128.load(out + j, 48);
    for (let k = 0; k < nRows; k++) {
      const p = w + <usize>load<i32>(rows + (<usize>k << 2)) * rowBytes + j;
      a0 = f32x4.add(a0, v128.load(p));
      a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32));
      a3 = f32x4.add(a3, v128.load(p, 48));
    }
    v128.store(out + j, a0);
    v128.store(out + j, a1, 16);
    v128.store(out + j, a2, 32);
    v128.store(out + j, a3, 48);
  }
  for (; j < end; j += 16) {
    let a = v128.load(out + j);
    for (let k = 0; k < nRows; k++) {
      a = f32x4.add(a, v128.load(w + <usize>load<i32>(rows + (<usize>k << 2)) * rowBytes + j));
    }
    v128.store(out + j, a);
  }
}

/** Appends the indices of the set lanes of `mask` (lanes i..i+3) that are below nReal; returns the new count. */
// @ts-ignore: decorator
@inline
function collect(mask: v128, i: i32, nReal: i32, spikes: usize, count: i32): i32 {
  let bits = i32x4.bitmask(mask);
  while (bits != 0) {
    const lane = ctz(bits);
    bits &= bits - 1;
    const idx = i + lane;
    if (idx < nReal) {
      store<i32>(spikes + (<usize>count << 2), idx);
      count++;
    }
  }
  return count;
}

/**
 * One step of LIF neurons (BindsNET LIFNodes): leak, input gated by refractoriness, refractory countdown,
 * spike test (not gated), reset, lower bound. Writes the indices of spiking neurons to `spikes`; returns their
 * number.
 */
export function lifStep(
  n4: i32,
  nReal: i32,
  v: usize,
  refrac: usize,
  input: usize,
  rest: f32,
  reset: f32,
  thresh: f32,
  decay: f32,
  refracPeriod: f32,
  dt: f32,
  lbound: f32,
  spikes: usize,
): i32 {
  const vRest = f32x4.splat(rest);
  const vReset = f32x4.splat(reset);
  const vThresh = f32x4.splat(thresh);
  const vDecay = f32x4.splat(decay);
  const vPeriod = f32x4.splat(refracPeriod);
  const vDt = f32x4.splat(dt);
  const vLbound = f32x4.splat(lbound);
  const zero = f32x4.splat(0);
  let count = 0;
  for (let i = 0; i < n4; i += 4) {
    const off = <usize>i << 2;
    let vv = v128.load(v + off);
    let rr = v128.load(refrac + off);
    const x = v128.load(input + off);
    vv = f32x4.add(f32x4.mul(f32x4.sub(vv, vRest), vDecay), vRest);
    vv = f32x4.add(vv, v128.and(x, f32x4.le(rr, zero)));
    rr = f32x4.sub(rr, vDt);
    const s = f32x4.ge(vv, vThresh);
    rr = v128.bitselect(vPeriod, rr, s);
    vv = v128.bitselect(vReset, vv, s);
    vv = f32x4.pmax(vv, vLbound);
    v128.store(v + off, vv);
    v128.store(refrac + off, rr);
    if (v128.any_true(s)) count = collect(s, i, nReal, spikes, count);
  }
  return count;
}

/**
 * One step of adaptive-threshold LIF neurons (BindsNET AdaptiveLIFNodes / DiehlAndCookNodes before the
 * one-spike selection): as lifStep with threshold thresh + theta; while learning, theta decays before the
 * step and grows by thetaPlus for every neuron that crossed.
 */
export function adaptiveStep(
  n4: i32,
  nReal: i32,
  v: usize,
  refrac: usize,
  theta: usize,
  input: usize,
  rest: f32,
  reset: f32,
  thresh: f32,
  decay: f32,
  refracPeriod: f32,
  dt: f32,
  lbound: f32,
  thetaDecay: f32,
  thetaPlus: f32,
  learning: i32,
  spikes: usize,
): i32 {
  const vRest = f32x4.splat(rest);
  const vReset = f32x4.splat(reset);
  const vThresh = f32x4.splat(thresh);
  const vDecay = f32x4.splat(decay);
  const vPeriod = f32x4.splat(refracPeriod);
  const vDt = f32x4.splat(dt);
  const vLbound = f32x4.splat(lbound);
  const vThetaDecay = f32x4.splat(thetaDecay);
  const vThetaPlus = f32x4.splat(thetaPlus);
  const zero = f32x4.splat(0);
  let count = 0;
  for (let i = 0; i < n4; i += 4) {
    const off = <usize>i << 2;
    let vv = v128.load(v + off);
    let rr = v128.load(refrac + off);
    let th = v128.load(theta + off);
    const x = v128.load(input + off);
    vv = f32x4.add(f32x4.mul(f32x4.sub(vv, vRest), vDecay), vRest);
    if (learning) th = f32x4.mul(th, vThetaDecay);
    vv = f32x4.add(vv, v128.and(x, f32x4.le(rr, zero)));
    rr = f32x4.sub(rr, vDt);
    const s = f32x4.ge(vv, f32x4.add(vThresh, th));
    rr = v128.bitselect(vPeriod, rr, s);
    vv = v128.bitselect(vReset, vv, s);
    vv = f32x4.pmax(vv, vLbound);
    if (learning) th = f32x4.add(th, v128.and(vThetaPlus, s));
    v128.store(v + off, vv);
    v128.store(refrac + off, rr);
    v128.store(theta + off, th);
    if (v128.any_true(s)) count = collect(s, i, nReal, spikes, count);
  }
  return count;
}

/** out[j] = |w[0][j]| + |w[1][j]| + ... (rows added in order, starting from 0), for j < stride. */
export function colAbsSum(w: usize, nRows: i32, stride: i32, out: usize): void {
  const rowBytes = <usize>stride << 2;
  const end = rowBytes;
  let j: usize = 0;
  for (; j + 64 <= end; j += 64) {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let p = w + j;
    for (let i = 0; i < nRows; i++) {
      a0 = f32x4.add(a0, f32x4.abs(v128.load(p)));
      a1 = f32x4.add(a1, f32x4.abs(v128.load(p, 16)));
      a2 = f32x4.add(a2, f32x4.abs(v128.load(p, 32)));
      a3 = f32x4.add(a3, f32x4.abs(v128.load(p, 48)));
      p += rowBytes;
    }
    v128.store(out + j, a0);
    v128.store(out + j, a1, 16);
    v128.store(out + j, a2, 32);
    v128.store(out + j, a3, 48);
  }
  for (; j < end; j += 16) {
    let a = f32x4.splat(0);
    let p = w + j;
    for (let i = 0; i < nRows; i++) {
      a = f32x4.add(a, f32x4.abs(v128.load(p)));
      p += rowBytes;
    }
    v128.store(out + j, a);
  }
}

/**
 * w[i][j] = w[i][j]·factor[j] for all rows, then (if clamp ≠ 0) clamped to [lo, hi] as torch.clamp does
 * (x < lo → lo, then x > hi → hi); sums[j] receives Σ_i |new w[i][j]| accumulated in row order from 0 (the
 * column sums colAbsSum would compute next), so the next normalisation needs no separate pass.
 */
export function scaleColumns(w: usize, nRows: i32, stride: i32, factor: usize, lo: f32, hi: f32, clamp: i32, sums: usize): void {
  const rowBytes = <usize>stride << 2;
  const vLo = f32x4.splat(lo);
  const vHi = f32x4.splat(hi);
  const end = rowBytes;
  let j: usize = 0;
  for (; j + 32 <= end; j += 32) {
    const f0 = v128.load(factor + j);
    const f1 = v128.load(factor + j, 16);
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let p = w + j;
    if (clamp) {
      for (let i = 0; i < nRows; i++) {
        const x0 = f32x4.pmin(f32x4.pmax(f32x4.mul(v128.load(p), f0), vLo), vHi);
        const x1 = f32x4.pmin(f32x4.pmax(f32x4.mul(v128.load(p, 16), f1), vLo), vHi);
        v128.store(p, x0);
        v128.store(p, x1, 16);
        a0 = f32x4.add(a0, f32x4.abs(x0));
        a1 = f32x4.add(a1, f32x4.abs(x1));
        p += rowBytes;
      }
    } else {
      for (let i = 0; i < nRows; i++) {
        const x0 = f32x4.mul(v128.load(p), f0);
        const x1 = f32x4.mul(v128.load(p, 16), f1);
        v128.store(p, x0);
        v128.store(p, x1, 16);
        a0 = f32x4.add(a0, f32x4.abs(x0));
        a1 = f32x4.add(a1, f32x4.abs(x1));
        p += rowBytes;
      }
    }
    v128.store(sums + j, a0);
    v128.store(sums + j, a1, 16);
  }
  for (; j < end; j += 16) {
    const f0 = v128.load(factor + j);
    let a0 = f32x4.splat(0);
    let p = w + j;
    for (let i = 0; i < nRows; i++) {
      let x0 = f32x4.mul(v128.load(p), f0);
      if (clamp) x0 = f32x4.pmin(f32x4.pmax(x0, vLo), vHi);
      v128.store(p, x0);
      a0 = f32x4.add(a0, f32x4.abs(x0));
      p += rowBytes;
    }
    v128.store(sums + j, a0);
  }
}

/** x[k] = clamp(x[k], lo, hi) for k < n4 (n4 a multiple of 4). */
export function clampAll(x: usize, n4: i32, lo: f32, hi: f32): void {
  const vLo = f32x4.splat(lo);
  const vHi = f32x4.splat(hi);
  const end = <usize>n4 << 2;
  for (let k: usize = 0; k < end; k += 16) {
    v128.store(x + k, f32x4.pmin(f32x4.pmax(v128.load(x + k), vLo), vHi));
  }
}

/** x[k] = x[k]·a for k < n4, then clamped to [lo, hi] if clamp ≠ 0 (weight decay followed by bounds). */
export function scaleAll(x: usize, n4: i32, a: f32, lo: f32, hi: f32, clamp: i32): void {
  const vA = f32x4.splat(a);
  const vLo = f32x4.splat(lo);
  const vHi = f32x4.splat(hi);
  const end = <usize>n4 << 2;
  for (let k: usize = 0; k < end; k += 16) {
    let y = f32x4.mul(v128.load(x + k), vA);
    if (clamp) y = f32x4.pmin(f32x4.pmax(y, vLo), vHi);
    v128.store(x + k, y);
  }
}
