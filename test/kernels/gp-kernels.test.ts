/**
 * The GP wasm SIMD kernels and their TypeScript twins agree bit for bit (and with the textbook formulas to
 * rounding), whole GP fits and samples are identical on both backends, float32 pathwise features change the
 * samples negligibly, and the committed gp.wasm is the build of the committed AssemblyScript source.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cos32,
  cos64,
  expNeg,
  GpArena,
  gpWasmAvailable,
  gpWasmUnavailableReason,
  JS_GP_KERNELS,
  setGpKernelBackend,
} from '../../src/kernels/gp-kernels.js';
import { GaussianProcess } from '../../src/optimize/gp/gp.js';
import { MarginalLikelihood, packHyperparameters } from '../../src/optimize/gp/likelihood.js';
import { Rng } from '../../src/util/rng.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

type Spec = ['f64' | 'f32', number][];

/** Two arenas (wasm and js) with the same reservations. */
function twin(spec: Spec) {
  const make = (backend: 'wasm' | 'js') => {
    const arena = new GpArena(backend);
    const slots = spec.map(([kind, n]) => (kind === 'f64' ? arena.f64(n) : arena.f32(n)));
    arena.commit();
    return { k: arena.kernels, v: slots.map((s) => s.view()), arena };
  };
  return { w: make('wasm'), j: make('js') };
}

/** Fills view i of both arenas with the same values. */
function fillBoth(t: ReturnType<typeof twin>, i: number, gen: (k: number) => number): void {
  const a = t.w.v[i];
  for (let k = 0; k < a.length; k++) a[k] = gen(k);
  t.j.v[i].set(a);
}

function sameBits(a: Float64Array | Float32Array, b: Float64Array | Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let k = 0; k < a.length; k++) {
    if (!Object.is(a[k], b[k])) assert.fail(`${what}: element ${k} differs: ${a[k]} vs ${b[k]}`);
  }
}

/** Matérn-5/2 correlation with Math.exp, the textbook formula. */
function matern(r: number): number {
  const s = Math.sqrt(5) * r;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

describe('gp kernels: scalar helpers', () => {
  it('expNeg is exp to ~1 ulp on [−708, 0] (and exp(−708) below)', () => {
    let worst = 0;
    for (let x = -708; x <= 0; x += 0.0137) worst = Math.max(worst, Math.abs(expNeg(x) / Math.exp(x) - 1));
    for (let x = -1; x <= 0; x += 1e-5) worst = Math.max(worst, Math.abs(expNeg(x) / Math.exp(x) - 1));
    assert.ok(worst < 4e-16, `worst relative error ${worst}`);
    assert.equal(expNeg(0), 1);
    assert.equal(expNeg(-1e6), expNeg(-708));
  });

  it('cos64 is cos to 1e-11; cos32 to 3e-7 plus its float32 argument reduction (~1e-7·|x|)', () => {
    let w64 = 0;
    let w32 = 0;
    for (let x = -1e4; x <= 1e4; x += 0.7371) w64 = Math.max(w64, Math.abs(cos64(x) - Math.cos(x)));
    for (let x = -7; x <= 7; x += 1e-3) w64 = Math.max(w64, Math.abs(cos64(x) - Math.cos(x)));
    for (let x = -1000; x <= 1000; x += 0.0173) {
      const xf = Math.fround(x);
      w32 = Math.max(w32, Math.abs(cos32(xf) - Math.cos(xf)) / (3e-7 + 1.2e-7 * Math.abs(xf)));
    }
    assert.ok(w64 < 1e-11, `cos64 worst ${w64}`);
    assert.ok(w32 < 1, `cos32 worst error ratio ${w32}`);
  });
});

describe('gp kernels: wasm = TypeScript twin, bit for bit', () => {
  it('loads the wasm SIMD module', () => {
    assert.ok(gpWasmAvailable(), gpWasmUnavailableReason());
    const a = new GpArena('auto');
    assert.equal(a.backend, 'wasm');
    assert.equal(new GpArena('js').kernels, JS_GP_KERNELS);
  });

  it('likelihood kernels (pairs, Cholesky, solves, inverse, gradient sums) for odd and even n', () => {
    const rng = new Rng(11);
    for (const [n, d] of [[1, 1], [2, 3], [3, 1], [5, 2], [6, 4], [7, 5], [9, 3], [40, 18], [41, 7], [203, 18]]) {
      const nn = n * n;
      const t = twin([['f64', d * n], ['f64', nn], ['f64', nn], ['f64', nn], ['f64', nn], ['f64', nn], ['f64', n], ['f64', nn], ['f64', d + 3], ['f64', n]]);
      fillBoth(t, 0, () => rng.uniform(0, 3));
      fillBoth(t, 6, () => rng.normal());
      fillBoth(t, 9, () => rng.normal());
      for (const s of [t.w, t.j]) {
        const [xs, corr, gf, chol, u, kinv, alpha, pw, out, b] = s.v as Float64Array[];
        s.k.maternPairs(xs, n, n, d, 1.3, 1.3 + 1e-3, corr, gf, chol);
        assert.equal(s.k.cholesky(chol, n), -1);
        s.k.solveLower(chol, n, b);
        s.k.solveLowerTransposed(chol, n, b);
        s.k.invertLowerTransposed(chol, n, u);
        s.k.gramUpper(u, n, kinv);
        s.k.likelihoodGradient(xs, n, n, d, kinv, alpha, corr, gf, pw, out);
      }
      for (let i = 1; i <= 9; i++) sameBits(t.w.v[i], t.j.v[i], `n=${n} d=${d} array ${i}`);
    }
  });

  it('Cholesky reports the same failing pivot', () => {
    const n = 9;
    const t = twin([['f64', n * n]]);
    fillBoth(t, 0, (k) => (k % (n + 1) === 0 ? 1 : 0.3));
    t.w.v[0][5 * n + 5] = t.j.v[0][5 * n + 5] = -1;
    assert.equal(t.w.k.cholesky(t.w.v[0] as Float64Array, n), 5);
    assert.equal(t.j.k.cholesky(t.j.v[0] as Float64Array, n), 5);
  });

  it('cross kernel, with leading dimensions and odd sizes', () => {
    const rng = new Rng(12);
    for (const [na, nb, d] of [[1, 1, 1], [3, 5, 2], [37, 201, 5], [64, 200, 18]]) {
      const lda = d + 1;
      const ldo = nb + 3;
      const t = twin([['f64', na * lda], ['f64', d * nb], ['f64', d], ['f64', na * ldo]]);
      fillBoth(t, 0, () => rng.random());
      fillBoth(t, 1, () => rng.uniform(0, 4));
      fillBoth(t, 2, () => rng.uniform(0.25, 5));
      for (const s of [t.w, t.j]) {
        const [a, bt, invL, out] = s.v as Float64Array[];
        s.k.crossKernel(a, lda, na, bt, nb, nb, d, invL, 0.7, out, ldo);
      }
      sameBits(t.w.v[3], t.j.v[3], `crossKernel ${na}x${nb}x${d}`);
    }
  });

  it('products (float64 with and without accumulation, float32 widened)', () => {
    const rng = new Rng(13);
    for (const [m, k, p] of [[1, 1, 2], [3, 7, 6], [13, 33, 22], [16, 2048, 16]]) {
      const t = twin([['f64', m * k], ['f64', k * p], ['f64', m * p]]);
      fillBoth(t, 0, () => rng.normal());
      fillBoth(t, 1, () => rng.normal());
      fillBoth(t, 2, () => rng.normal());
      for (const acc of [true, false]) {
        for (const s of [t.w, t.j]) {
          const [a, b, c] = s.v as Float64Array[];
          s.k.gemm64(a, k, b, p, c, p, m, k, p, acc);
        }
        sameBits(t.w.v[2], t.j.v[2], `gemm64 ${m}x${k}x${p} accumulate=${acc}`);
      }
    }
    for (const [m, k, p] of [[1, 1, 4], [3, 7, 8], [13, 33, 20], [16, 2048, 16]]) {
      const t = twin([['f32', m * k], ['f32', k * p], ['f64', m * p]]);
      fillBoth(t, 0, () => rng.normal());
      fillBoth(t, 1, () => rng.normal());
      for (const s of [t.w, t.j]) {
        const [a, b] = s.v as Float32Array[];
        s.k.gemm32(a, k, b, p, s.v[2] as Float64Array, p, m, k, p);
      }
      sameBits(t.w.v[2], t.j.v[2], `gemm32 ${m}x${k}x${p}`);
    }
  });

  it('Fourier features in float64 and float32', () => {
    const rng = new Rng(14);
    for (const [m, d, F] of [[1, 1, 4], [5, 3, 8], [11, 7, 36], [16, 18, 2048]]) {
      const t = twin([['f64', m * d], ['f64', d * F], ['f64', F], ['f64', m * F], ['f32', m * d], ['f32', d * F], ['f32', F], ['f32', m * F]]);
      fillBoth(t, 0, () => rng.random());
      fillBoth(t, 1, () => 20 * rng.normal());
      fillBoth(t, 2, () => 2 * Math.PI * rng.random());
      for (const [i, j] of [[4, 0], [5, 1], [6, 2]]) {
        t.w.v[i].set(t.w.v[j]);
        t.j.v[i].set(t.j.v[j]);
      }
      for (const s of [t.w, t.j]) {
        const v = s.v;
        s.k.features64(v[0] as Float64Array, d, m, d, v[1] as Float64Array, F, v[2] as Float64Array, F, v[3] as Float64Array, F);
        s.k.features32(v[4] as Float32Array, d, m, d, v[5] as Float32Array, F, v[6] as Float32Array, F, v[7] as Float32Array, F);
      }
      sameBits(t.w.v[3], t.j.v[3], `features64 ${m}x${d}x${F}`);
      sameBits(t.w.v[7], t.j.v[7], `features32 ${m}x${d}x${F}`);
      // Against Math.cos of the float64 phase: float64 to 1e-10; float32 to its phase rounding (|z| ≲ 100 here).
      const [x, om, ph, out64] = t.w.v as Float64Array[];
      const out32 = t.w.v[7];
      for (let i = 0; i < m; i++) {
        for (let f = 0; f < F; f++) {
          let z = ph[f];
          for (let k = 0; k < d; k++) z += x[i * d + k] * om[k * F + f];
          assert.ok(Math.abs(out64[i * F + f] - Math.cos(z)) < 1e-10, 'features64 = cos');
          assert.ok(Math.abs(out32[i * F + f] - Math.cos(z)) < 1e-4, 'features32 ≈ cos');
        }
      }
    }
  });
});

describe('gp kernels: against the textbook formulas', () => {
  it('pairs, factor, inverse and gradient sums', () => {
    const rng = new Rng(21);
    const n = 23;
    const d = 3;
    const x = new Float64Array(n * d).map(() => rng.random());
    const ls = [0.3, 0.8, 2];
    const sf2 = 1.4;
    const sn2 = 0.01;
    const arena = new GpArena();
    const s = [d * n, n * n, n * n, n * n, n * n, n * n, n, n * n, d + 3].map((len) => arena.f64(len));
    arena.commit();
    const [xs, corr, gf, chol, u, kinv, alpha, pw, out] = s.map((v) => v.view());
    for (let k = 0; k < d; k++) for (let i = 0; i < n; i++) xs[k * n + i] = x[i * d + k] / ls[k];
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) r2 += ((x[i * d + k] - x[j * d + k]) / ls[k]) ** 2;
        K[i * n + j] = sf2 * matern(Math.sqrt(r2)) + (i === j ? sn2 : 0);
      }
    }
    arena.kernels.maternPairs(xs, n, n, d, sf2, sf2 + sn2, corr, gf, chol);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) assert.ok(Math.abs(chol[i * n + j] - K[i * n + j]) < 1e-15, `K(${i},${j})`);
    assert.equal(arena.kernels.cholesky(chol, n), -1);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s2 = 0;
        for (let k = 0; k <= j; k++) s2 += chol[i * n + k] * chol[j * n + k];
        assert.ok(Math.abs(s2 - K[i * n + j]) < 1e-13, `LLᵀ(${i},${j})`);
      }
    }
    arena.kernels.invertLowerTransposed(chol, n, u);
    arena.kernels.gramUpper(u, n, kinv);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s2 = 0;
        for (let k = 0; k < n; k++) s2 += K[i * n + k] * kinv[k * n + j];
        assert.ok(Math.abs(s2 - (i === j ? 1 : 0)) < 1e-9, `K·K⁻¹(${i},${j}) = ${s2}`);
      }
    }
    // (L Lᵀ)⁻¹ b by the two triangular solves.
    const b = new Float64Array(n).map(() => rng.normal());
    for (let i = 0; i < n; i++) alpha[i] = b[i];
    arena.kernels.solveLower(chol, n, alpha);
    arena.kernels.solveLowerTransposed(chol, n, alpha);
    for (let i = 0; i < n; i++) {
      let s2 = 0;
      for (let k = 0; k < n; k++) s2 += K[i * n + k] * alpha[k];
      assert.ok(Math.abs(s2 - b[i]) < 1e-10, `K·(K⁻¹b) = b at ${i}`);
    }
    for (let i = 0; i < n; i++) alpha[i] = rng.normal();
    arena.kernels.likelihoodGradient(xs, n, n, d, kinv, alpha, corr, gf, pw, out);
    const expect = new Float64Array(d + 3);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) r2 += ((x[i * d + k] - x[j * d + k]) / ls[k]) ** 2;
        const r = Math.sqrt(r2);
        const w = alpha[i] * alpha[j] - kinv[i * n + j];
        const g = (5 / 3) * (1 + Math.sqrt(5) * r) * Math.exp(-Math.sqrt(5) * r);
        for (let k = 0; k < d; k++) expect[k] += w * g * ((x[i * d + k] - x[j * d + k]) / ls[k]) ** 2;
        expect[d] += w * matern(r);
      }
      expect[d + 1] += alpha[i] ** 2 - kinv[i * n + i];
      expect[d + 2] += alpha[i];
    }
    for (let k = 0; k < d + 3; k++) assert.ok(Math.abs(out[k] - expect[k]) < 1e-10 * (1 + Math.abs(expect[k])), `sum ${k}: ${out[k]} vs ${expect[k]}`);
    arena.release();
  });
});

describe('gp kernels: arenas', () => {
  it('released memory is reused zero-filled, and a released arena refuses work', () => {
    const a = new GpArena('wasm');
    const s = a.f64(1000);
    a.commit();
    s.view().fill(7);
    const v = s.view();
    a.release();
    assert.throws(() => s.view(), /view\(\) after release/);
    assert.throws(() => a.kernels.cholesky(v, 2), /used after release/);
    const b = new GpArena('wasm');
    const t = b.f64(2000);
    b.commit();
    assert.ok(t.view().every((x) => x === 0), 'zero-filled');
    b.release();
  });
});

describe('gp kernels: whole computations on both backends', () => {
  function data(n: number, d: number, seed: number) {
    const rng = new Rng(seed);
    const X = new Float64Array(n * d).map(() => rng.random());
    const y = new Float64Array(n).map((_, i) => Math.sin(6 * X[i * d]) + X[i * d + 1] ** 2 + 0.05 * rng.normal());
    return { X, y };
  }

  it('fits, likelihood gradients, predictions and samples are bit-identical with wasm and with the twins', () => {
    const n = 45;
    const d = 5;
    const { X, y } = data(n, d, 31);
    const xs = new Float64Array(300 * d).map((_, t) => (t * 0.6180339887) % 1);
    const run = (backend: 'wasm' | 'js') => {
      setGpKernelBackend(backend);
      try {
        const gp = GaussianProcess.fit(X, n, d, y);
        const lik = new MarginalLikelihood(X, n, d, y);
        assert.equal(lik.backend, backend);
        const grad = new Float64Array(d + 3);
        const value = lik.evaluate(packHyperparameters(gp.hyper), grad);
        lik.release();
        const samples = gp.sampleJoint(xs, 300, 5, new Rng(4), { method: 'pathwise', features: 256, featurePrecision: 'float32' });
        const samples64 = gp.sampleJoint(xs, 300, 5, new Rng(4), { method: 'pathwise', features: 256, featurePrecision: 'float64' });
        const exact = gp.sampleJoint(xs, 60, 3, new Rng(5), { method: 'exact' });
        const pred = gp.predict(xs, 300);
        return { gp, value, grad, samples, samples64, exact, pred };
      } finally {
        setGpKernelBackend('auto');
      }
    };
    const w = run('wasm');
    const j = run('js');
    sameBits(w.gp.hyper.lengthscales, j.gp.hyper.lengthscales, 'lengthscales');
    assert.equal(w.gp.hyper.outputscale, j.gp.hyper.outputscale);
    assert.equal(w.gp.hyper.noise, j.gp.hyper.noise);
    assert.equal(w.gp.hyper.mean, j.gp.hyper.mean);
    assert.equal(w.gp.fitInfo.evaluations, j.gp.fitInfo.evaluations);
    assert.equal(w.value, j.value);
    sameBits(w.grad, j.grad, 'gradient');
    sameBits(w.samples, j.samples, 'pathwise samples (float32 features)');
    sameBits(w.samples64, j.samples64, 'pathwise samples (float64 features)');
    sameBits(w.exact, j.exact, 'exact samples');
    sameBits(w.pred.mean, j.pred.mean, 'predicted mean');
    sameBits(w.pred.variance, j.pred.variance, 'predicted variance');
  });

  it('float32 features move pathwise samples by a negligible amount', () => {
    // Long and short lengthscales, a wide and a small trust region: |f32 − f64| stays ~1e-5 of the output
    // scale (the Monte Carlo error of 2048 features is ~2e-2), and the Thompson argmax does not move.
    const rng = new Rng(41);
    for (const [d, ls, L] of [[18, 0.3, 0.8], [18, 1, 0.05], [8, 4, 1.6], [10, 0.01, 0.8]] as const) {
      const n = 100;
      const m = 1500;
      const q = 8;
      const X = new Float64Array(n * d).map(() => rng.random());
      const y = new Float64Array(n).map((_, i) => Math.sin(7 * X[i * d]) + X[i * d + 1] ** 2 + 0.1 * rng.normal());
      const gp = GaussianProcess.withHyperparameters(X, n, d, y, { lengthscales: new Float64Array(d).fill(ls), outputscale: 1.3, noise: 1e-4, mean: 0.1 });
      const xs = new Float64Array(m * d).map((_, t) => Math.min(1, Math.max(0, X[t % d] + L * (rng.random() - 0.5))));
      const a = gp.sampleJoint(xs, m, q, new Rng(9), { method: 'pathwise', featurePrecision: 'float32' });
      const b = gp.sampleJoint(xs, m, q, new Rng(9), { method: 'pathwise', featurePrecision: 'float64' });
      const scale = gp.standardization.std * Math.sqrt(gp.hyper.outputscale);
      let worst = 0;
      for (let s = 0; s < q; s++) {
        let ia = 0;
        let ib = 0;
        for (let i = 0; i < m; i++) {
          worst = Math.max(worst, Math.abs(a[s * m + i] - b[s * m + i]) / scale);
          if (a[s * m + i] > a[s * m + ia]) ia = i;
          if (b[s * m + i] > b[s * m + ib]) ib = i;
        }
        assert.equal(ia, ib, `d=${d} ℓ=${ls} L=${L}: argmax of sample ${s}`);
      }
      assert.ok(worst < 2e-4, `d=${d} ℓ=${ls} L=${L}: max |f32 − f64| = ${worst} output scales`);
    }
    // Feature and sample counts that are not multiples of the vector widths.
    const X = new Float64Array(20 * 3).map(() => rng.random());
    const y = new Float64Array(20).map((_, i) => X[i * 3] - X[i * 3 + 2]);
    const gp = GaussianProcess.withHyperparameters(X, 20, 3, y, { lengthscales: Float64Array.of(0.3, 0.5, 1), outputscale: 1, noise: 1e-4, mean: 0 });
    const xs = new Float64Array(7 * 3).map(() => rng.random());
    const a = gp.sampleJoint(xs, 7, 3, new Rng(2), { method: 'pathwise', features: 37, featurePrecision: 'float32' });
    const b = gp.sampleJoint(xs, 7, 3, new Rng(2), { method: 'pathwise', features: 37, featurePrecision: 'float64' });
    assert.equal(a.length, 21);
    for (let i = 0; i < 21; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5 * gp.standardization.std, `odd sizes: ${a[i]} vs ${b[i]}`);
  });
});

describe('gp kernels: build', () => {
  it('src/kernels/wasm/build/gp.wasm is the build of src/kernels/wasm/gp.ts (npm run build:wasm:gp)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const script: string = pkg.scripts['build:wasm:gp'];
    assert.ok(script, 'package.json has a build:wasm:gp script');
    assert.match(pkg.scripts.build, /build:wasm:gp/, 'npm run build runs build:wasm:gp');
    const args = script.split(/\s+/).slice(1);
    const o = args.indexOf('-o');
    assert.ok(o > 0 && args[o + 1] === 'src/kernels/wasm/build/gp.wasm', 'build:wasm:gp writes src/kernels/wasm/build/gp.wasm');
    const dir = mkdtempSync(join(tmpdir(), 'spikeopt-asc-gp-'));
    try {
      args[o + 1] = join(dir, 'gp.wasm');
      const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
      execFileSync(process.execPath, [asc, ...args], { cwd: root, stdio: 'pipe' });
      const fresh = readFileSync(join(dir, 'gp.wasm'));
      const committed = readFileSync(join(root, 'src', 'kernels', 'wasm', 'build', 'gp.wasm'));
      assert.ok(fresh.equals(committed), 'gp.wasm is stale: run `npm run build:wasm:gp` and commit the result');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
