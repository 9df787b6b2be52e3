/**
 * Timings of the GP surrogate at the SCBO step size (n = 200 training points, d = 18, 3600 candidates,
 * q = 16 Thompson samples): likelihood evaluation, cold and warm-started fits of three GPs (objective and
 * two constraints), pathwise sampling at several feature counts (float32 features, and float64 at F = 2048),
 * exact sampling at small m. The hot loops run in the GP kernels (wasm SIMD; `SPIKEOPT_GP_KERNELS=js` times
 * their TypeScript twins instead).
 * Not a test; run with `node --import tsx bench/gp-timing.ts` (one thread; medians after a JIT warm-up).
 * `--quality` adds a study of pathwise-sampling accuracy against exact sampling per feature count (~1 min).
 */
import { Rng } from '../src/util/rng.js';
import { GaussianProcess, type GpHyperparameters } from '../src/optimize/gp/gp.js';
import { MarginalLikelihood, packHyperparameters } from '../src/optimize/gp/likelihood.js';
import { defaultHyperparameters } from '../src/optimize/gp/fit.js';
import { standardization, standardize } from '../src/optimize/gp/transforms.js';

const N = 200;
const D = 18;
const M = 3600;
const Q = 16;
const REPEATS = 5;

const rng = new Rng(20240611);

/** Half uniform points, half clustered around a centre, as late in a trust-region run. */
function trainingInputs(n: number): Float64Array {
  const x = new Float64Array(n * D);
  const centre = new Float64Array(D).map(() => 0.3 + 0.4 * rng.random());
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < D; k++) {
      x[i * D + k] = i % 2 === 0 ? rng.random() : Math.min(1, Math.max(0, centre[k] + 0.1 * (rng.random() - 0.5)));
    }
  }
  return x;
}

/** Ackley (negated: maximised), and two smooth constraints. */
function outputs(x: Float64Array, n: number): Float64Array[] {
  const f = new Float64Array(n);
  const c1 = new Float64Array(n);
  const c2 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s2 = 0;
    let sc = 0;
    let sum = 0;
    let norm = 0;
    for (let k = 0; k < D; k++) {
      const u = 10 * x[i * D + k] - 5; // [-5, 5]
      s2 += u * u;
      sc += Math.cos(2 * Math.PI * u);
      sum += u;
      norm += u * u;
    }
    f[i] = -(-20 * Math.exp(-0.2 * Math.sqrt(s2 / D)) - Math.exp(sc / D) + 20 + Math.E);
    c1[i] = sum;
    c2[i] = Math.sqrt(norm) - 5;
  }
  return [f, c1, c2];
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time<T>(fn: () => T): [number, T] {
  const t0 = performance.now();
  const r = fn();
  return [performance.now() - t0, r];
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

import { cpus } from 'node:os';
import { gpKernelBackend } from '../src/kernels/gp-kernels.js';
console.log(`${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, GP kernels: ${gpKernelBackend()} (SPIKEOPT_GP_KERNELS=js for the TypeScript twins)`);
const X = trainingInputs(N);
const Y = outputs(X, N);
const cand = new Float64Array(M * D);
for (let i = 0; i < M; i++) for (let k = 0; k < D; k++) cand[i * D + k] = Math.min(1, Math.max(0, X[D + k] + 0.1 * (rng.random() - 0.5)));

// --- one likelihood + gradient evaluation
{
  const s = standardization(Y[0]);
  const lik = new MarginalLikelihood(X, N, D, standardize(Y[0], s));
  const theta = packHyperparameters(defaultHyperparameters(D));
  const grad = new Float64Array(D + 3);
  for (let r = 0; r < 20; r++) lik.evaluate(theta, grad);
  const tv: number[] = [];
  const tf: number[] = [];
  for (let r = 0; r < 20; r++) {
    tv.push(time(() => lik.evaluate(theta, grad))[0]);
    tf.push(time(() => lik.evaluate(theta))[0]);
  }
  console.log(`log-likelihood n=${N} d=${D}: value+gradient ${fmt(median(tv))}, value only ${fmt(median(tf))}`);
}

// --- fits: cold (defaults only) and warm (previous fit on the first n−4 points as an extra start)
function fitAll(warm: GpHyperparameters[] | null): { ms: number; gps: GaussianProcess[] } {
  const gps: GaussianProcess[] = [];
  const t0 = performance.now();
  for (let j = 0; j < 3; j++) gps.push(GaussianProcess.fit(X, N, D, Y[j], warm ? { warmStart: warm[j] } : {}));
  return { ms: performance.now() - t0, gps };
}
const prev = Y.map((y) => GaussianProcess.fit(X, N - 4, D, y).hyper);
fitAll(null);
fitAll(prev); // JIT warm-up
const cold: number[] = [];
const warm: number[] = [];
let coldGps: GaussianProcess[] = [];
let warmGps: GaussianProcess[] = [];
for (let r = 0; r < REPEATS; r++) {
  const c = fitAll(null);
  cold.push(c.ms);
  coldGps = c.gps;
  const w = fitAll(prev);
  warm.push(w.ms);
  warmGps = w.gps;
}
const describe = (g: GaussianProcess) =>
  `iters ${g.fitInfo.iterations}, evals ${g.fitInfo.evaluations}, converged ${g.fitInfo.converged}, lml ${g.fitInfo.logMarginalLikelihood.toFixed(2)}`;
console.log(`cold fit, 3 GPs: ${fmt(median(cold))} (${fmt(median(cold) / 3)} per GP)`);
coldGps.forEach((g, j) => console.log(`  GP ${j}: ${describe(g)}`));
console.log(`warm-started fit (defaults + warm start), 3 GPs: ${fmt(median(warm))} (${fmt(median(warm) / 3)} per GP)`);
warmGps.forEach((g, j) => console.log(`  GP ${j}: ${describe(g)}`));

// --- a trust-region-like sequence: n = 104 … 200 in steps of 8, each fit warm-started from the previous one
{
  const seqRng = new Rng(5);
  const xs = new Float64Array(N * D);
  const c = new Float64Array(D).map(() => seqRng.random());
  for (let i = 0; i < N; i++) {
    const radius = i < 40 ? 1 : 0.4 * Math.pow(0.99, i - 40); // shrinking region around a drifting centre
    for (let k = 0; k < D; k++) {
      c[k] = Math.min(1, Math.max(0, c[k] + 0.01 * seqRng.normal()));
      xs[i * D + k] = i < 40 ? seqRng.random() : Math.min(1, Math.max(0, c[k] + radius * (seqRng.random() - 0.5)));
    }
  }
  const ys = outputs(xs, N);
  const warmSeq: (GpHyperparameters | undefined)[] = [undefined, undefined, undefined];
  const times: number[] = [];
  let evals = 0;
  for (let n = 96; n <= N; n += 8) {
    for (let j = 0; j < 3; j++) {
      const [ms, g] = time(() => GaussianProcess.fit(xs, n, D, ys[j], { warmStart: warmSeq[j] }));
      warmSeq[j] = g.hyper;
      if (n > 96) {
        times.push(ms);
        evals += g.fitInfo.evaluations;
      }
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(
    `trust-region sequence n=104..200, warm-started fits (${times.length}): mean ${fmt(mean)}, median ${fmt(median(times))}, ` +
      `max ${fmt(sorted[sorted.length - 1])} per GP; ${(evals / times.length).toFixed(1)} evaluations per fit`,
  );
}

// --- sampling
const gp = warmGps[0];
for (const features of [2048, 1024, 512, 256]) {
  const srng = new Rng(features);
  gp.sampleJoint(cand, M, Q, srng, { method: 'pathwise', features });
  const t: number[] = [];
  for (let r = 0; r < REPEATS; r++) t.push(time(() => gp.sampleJoint(cand, M, Q, srng, { method: 'pathwise', features }))[0]);
  console.log(`pathwise sampling q=${Q} m=${M} F=${features}: ${fmt(median(t))} per GP`);
}
{
  const srng = new Rng(4096);
  const t: number[] = [];
  for (let r = 0; r < REPEATS; r++) t.push(time(() => gp.sampleJoint(cand, M, Q, srng, { method: 'pathwise', features: 2048, featurePrecision: 'float64' }))[0]);
  console.log(`pathwise sampling q=${Q} m=${M} F=2048, float64 features: ${fmt(median(t))} per GP`);
}
for (const m of [500, 1000]) {
  const srng = new Rng(m);
  const t = time(() => gp.sampleJoint(cand, m, Q, srng, { method: 'exact' }))[0];
  console.log(`exact sampling q=${Q} m=${m}: ${fmt(t)} per GP`);
}
{
  const t: number[] = [];
  for (let r = 0; r < REPEATS; r++) t.push(time(() => gp.predict(cand, M))[0]);
  console.log(`predict m=${M}: ${fmt(median(t))}`);
  const pend = cand.subarray(0, 8 * D);
  const tb: number[] = [];
  for (let r = 0; r < REPEATS; r++) tb.push(time(() => gp.withPseudoObservations(pend, 8))[0]);
  console.log(`believer with k=8 pending points: ${fmt(median(tb))}`);
}

// --- quality of pathwise sampling against exact sampling, per feature count
//
// For one feature draw the pathwise sample is linear in (w, ε), so its covariance over the candidates is
// known exactly: Σ_F = A Aᵀ + (K_*X K⁻¹) diag(noise) (K_*X K⁻¹)ᵀ with A = Φ_* − K_*X K⁻¹ Φ_X. Its mean is
// the exact posterior mean. We compare Σ_F with the exact posterior covariance Σ on candidates drawn like
// SCBO's (a lengthscale-shaped trust region around the best point), and the distribution of the
// Thompson argmax (20 000 draws each) by total variation, next to the TV between two exact batches.
import { choleskyInPlace, choleskySolveMulti, matMulTransB, subtractGramLower } from '../src/kernels/linalg.js';
import { maternCrossKernel, maternKernelMatrix } from '../src/optimize/gp/matern.js';
import { buildPosterior } from '../src/optimize/gp/posterior.js';
import { drawMaternFeatures, featureMatrix } from '../src/optimize/gp/rff.js';

function qualityStudy(): void {
  const gpq = warmGps[0];
  const h = gpq.hyper;
  const ys = standardize(Y[0], gpq.standardization);
  const post = buildPosterior(X, N, D, ys, h);
  let best = 0;
  for (let i = 1; i < N; i++) if (Y[0][i] > Y[0][best]) best = i;
  let geo = 0;
  for (let k = 0; k < D; k++) geo += Math.log(h.lengthscales[k]) / D;
  const mq = 300;
  const draws = 20000;
  for (const L of [0.8, 0.1]) {
    const qr = new Rng(L * 1000);
    const xs = new Float64Array(mq * D);
    for (let i = 0; i < mq; i++) {
      for (let k = 0; k < D; k++) {
        const half = (0.5 * L * h.lengthscales[k]) / Math.exp(geo);
        const lo = Math.max(0, X[best * D + k] - half);
        const hi = Math.min(1, X[best * D + k] + half);
        xs[i * D + k] = lo + (hi - lo) * qr.random();
      }
    }
    // Exact covariance Σ and B = K⁻¹ K_X* (n×m).
    const ksx = maternCrossKernel(xs, mq, X, N, D, h.lengthscales, h.outputscale); // m×n
    const b = new Float64Array(N * mq);
    for (let i = 0; i < mq; i++) for (let j = 0; j < N; j++) b[j * mq + i] = ksx[i * N + j];
    choleskySolveMulti(post.chol, N, b, mq);
    const bt = new Float64Array(mq * N); // rows: K_*X K⁻¹
    for (let i = 0; i < mq; i++) for (let j = 0; j < N; j++) bt[i * N + j] = b[j * mq + i];
    const sigma = maternKernelMatrix(xs, mq, D, h.lengthscales, h.outputscale);
    const prod = matMulTransB(ksx, bt, mq, N, mq); // K_*X K⁻¹ K_X*
    for (let i = 0; i < mq * mq; i++) sigma[i] -= prod[i];
    const mean = new Float64Array(mq); // standardised posterior mean
    for (let i = 0; i < mq; i++) {
      let s = h.mean;
      for (let j = 0; j < N; j++) s += ksx[i * N + j] * post.alpha[j];
      mean[i] = s;
    }
    const tvFloor = argmaxTv(mean, sigma, sigma, mq, draws, new Rng(1));
    const rows: string[] = [];
    for (const F of [256, 512, 1024, 2048, 4096]) {
      let stdErr = 0;
      let corrErr = 0;
      let tv = 0;
      const reps = 3;
      for (let r = 0; r < reps; r++) {
        const ff = drawMaternFeatures(D, F, h.lengthscales, h.outputscale, new Rng(F * 10 + r));
        const a = featureMatrix(ff, xs, mq); // m×F
        const phiX = featureMatrix(ff, X, N); // n×F
        // A = Φ_* − (K_*X K⁻¹) Φ_X
        for (let i = 0; i < mq; i++) {
          for (let j = 0; j < N; j++) {
            const c = bt[i * N + j];
            if (c === 0) continue;
            for (let f = 0; f < F; f++) a[i * F + f] -= c * phiX[j * F + f];
          }
        }
        const sf = new Float64Array(mq * mq);
        subtractGramLower(a, mq, F, sf); // −A Aᵀ (lower)
        const noise = post.noiseDiag[0];
        const gramB = new Float64Array(mq * mq);
        subtractGramLower(bt, mq, N, gramB);
        for (let i = 0; i < mq; i++) {
          for (let j = 0; j <= i; j++) {
            const v = -sf[i * mq + j] - noise * gramB[i * mq + j];
            sf[i * mq + j] = v;
            sf[j * mq + i] = v;
          }
        }
        let se = 0;
        let ce = 0;
        let pairs = 0;
        for (let i = 0; i < mq; i++) {
          se += Math.abs(Math.sqrt(sf[i * mq + i] / sigma[i * mq + i]) - 1);
          for (let j = 0; j < i; j++) {
            const re = sigma[i * mq + j] / Math.sqrt(sigma[i * mq + i] * sigma[j * mq + j]);
            const rf = sf[i * mq + j] / Math.sqrt(sf[i * mq + i] * sf[j * mq + j]);
            ce += Math.abs(rf - re);
            pairs++;
          }
        }
        stdErr += se / mq / reps;
        corrErr += ce / pairs / reps;
        tv += argmaxTv(mean, sigma, sf, mq, draws, new Rng(2 + r)) / reps;
      }
      rows.push(`F=${F}: mean |std ratio − 1| ${stdErr.toFixed(3)}, mean |Δcorrelation| ${corrErr.toFixed(3)}, argmax TV ${tv.toFixed(3)}`);
    }
    console.log(`pathwise quality, trust region L=${L} (m=${mq}, argmax TV between two exact batches: ${tvFloor.toFixed(3)})`);
    for (const r of rows) console.log(`  ${r}`);
  }
}

/** Total variation between the argmax distributions of N(mean, Σa) and N(mean, Σb) from `draws` samples each. */
function argmaxTv(mean: Float64Array, sa: Float64Array, sb: Float64Array, m: number, draws: number, r: Rng): number {
  const hist = (s: Float64Array): Float64Array => {
    const l = Float64Array.from(s);
    let tr = 0;
    for (let i = 0; i < m; i++) tr += l[i * m + i];
    choleskyInPlace(l, m, { jitterScale: tr / m });
    const z = r.fillNormal(new Float64Array(draws * m));
    const f = matMulTransB(z, l, draws, m, m); // row t = (L z_t)ᵀ
    const h = new Float64Array(m);
    for (let t = 0; t < draws; t++) {
      let bi = 0;
      let bv = -Infinity;
      for (let i = 0; i < m; i++) {
        const v = mean[i] + f[t * m + i];
        if (v > bv) {
          bv = v;
          bi = i;
        }
      }
      h[bi] += 1 / draws;
    }
    return h;
  };
  const ha = hist(sa);
  const hb = hist(sb);
  let tv = 0;
  for (let i = 0; i < m; i++) tv += 0.5 * Math.abs(ha[i] - hb[i]);
  return tv;
}

if (process.argv.includes('--quality')) qualityStudy();
