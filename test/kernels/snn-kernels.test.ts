/**
 * The wasm SIMD kernels and their TypeScript twins agree bit for bit, and the committed snn.wasm is the build of
 * the committed AssemblyScript source.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KernelContext, JS_KERNELS, pad4, wasmAvailable, wasmUnavailableReason } from '../../src/kernels/snn-kernels.js';
import { Rng } from '../../src/util/rng.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Two contexts (wasm and js) with identical contents. */
function twin(sizes: { f32: number[]; i32: number[] }) {
  const make = (backend: 'wasm' | 'js') => {
    const ctx = new KernelContext(backend);
    const f = sizes.f32.map((n) => ctx.f32(n));
    const i = sizes.i32.map((n) => ctx.i32(n));
    ctx.commit();
    return { k: ctx.kernels, f: f.map((s) => s.view()), i: i.map((s) => s.view()) };
  };
  return { w: make('wasm'), j: make('js') };
}

function fill(a: Float32Array, rng: Rng, lo: number, hi: number): void {
  for (let k = 0; k < a.length; k++) a[k] = rng.uniform(lo, hi);
}

function sameBits(a: Float32Array | Int32Array, b: Float32Array | Int32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let k = 0; k < a.length; k++) if (ua[k] !== ub[k]) assert.fail(`${what}: element ${k} differs: ${a[k]} vs ${b[k]}`);
}

describe('snn kernels', () => {
  it('loads the wasm SIMD module', () => {
    assert.ok(wasmAvailable(), wasmUnavailableReason());
    assert.equal(new KernelContext('auto').backend, 'wasm');
  });

  it('addRows: wasm = js for several strides and row counts', () => {
    const rng = new Rng(1);
    for (const nPost of [1, 4, 13, 16, 17, 100, 797]) {
      const stride = pad4(nPost);
      const nPre = 50;
      for (const nRows of [0, 1, 3, 12, 40]) {
        const { w, j } = twin({ f32: [nPre * stride, stride], i32: [nRows] });
        fill(w.f[0], rng, -1, 1);
        j.f[0].set(w.f[0]);
        fill(w.f[1], rng, -5, 5);
        j.f[1].set(w.f[1]);
        for (let r = 0; r < nRows; r++) w.i[0][r] = j.i[0][r] = rng.int(nPre);
        w.k.addRows(w.f[0], stride, w.i[0], nRows, w.f[1]);
        j.k.addRows(j.f[0], stride, j.i[0], nRows, j.f[1]);
        sameBits(w.f[1], j.f[1], `addRows nPost=${nPost} nRows=${nRows}`);
      }
    }
  });

  it('addRows adds rows in order (float32 rounding of each addition)', () => {
    const ctx = new KernelContext('wasm');
    const ws = ctx.f32(8);
    const os = ctx.f32(4);
    const rs = ctx.i32(2);
    ctx.commit();
    const [w, out, rows] = [ws.view(), os.view(), rs.view()];
    w.set([1e8, 0, 0, 0, 1, 0, 0, 0]);
    rows.set([1, 0]);
    out[0] = -1e8;
    ctx.kernels.addRows(w, 4, rows, 2, out);
    // ((−1e8 + 1) + 1e8) in float32 is 0: −1e8 + 1 rounds back to −1e8. The other order would give 1.
    assert.equal(out[0], 0);
  });

  for (const adaptive of [false, true]) {
    it(`${adaptive ? 'adaptiveStep' : 'lifStep'}: wasm = js on random states`, () => {
      const rng = new Rng(adaptive ? 3 : 2);
      for (const n of [1, 5, 64, 797]) {
        const n4 = pad4(n);
        const { w, j } = twin({ f32: [n4, n4, n4, n4], i32: [n4] });
        for (let step = 0; step < 30; step++) {
          const learning = step % 3 !== 0;
          if (step === 0) {
            fill(w.f[0], rng, -70, -40); // v
            for (let k = 0; k < n4; k++) w.f[1][k] = rng.int(5) - 2; // refractory
            fill(w.f[2], rng, 0, 2); // theta
            for (let a = 0; a < 3; a++) j.f[a].set(w.f[a]);
          }
          fill(w.f[3], rng, -2, 8); // input
          j.f[3].set(w.f[3]);
          const args = [-65, -60, -52, Math.exp(-1 / 100), 5, 1, step > 15 ? -62 : -Infinity] as const;
          let cw: number;
          let cj: number;
          if (adaptive) {
            cw = w.k.adaptiveStep(n4, n, w.f[0], w.f[1], w.f[2], w.f[3], ...args, Math.exp(-1 / 1e4), 0.05, learning, w.i[0]);
            cj = j.k.adaptiveStep(n4, n, j.f[0], j.f[1], j.f[2], j.f[3], ...args, Math.exp(-1 / 1e4), 0.05, learning, j.i[0]);
          } else {
            cw = w.k.lifStep(n4, n, w.f[0], w.f[1], w.f[3], ...args, w.i[0]);
            cj = j.k.lifStep(n4, n, j.f[0], j.f[1], j.f[3], ...args, j.i[0]);
          }
          assert.equal(cw, cj, `spike count n=${n} step=${step}`);
          sameBits(w.i[0].subarray(0, cw), j.i[0].subarray(0, cj), 'spike indices');
          for (let a = 0; a < 3; a++) sameBits(w.f[a], j.f[a], `state ${a} n=${n} step=${step}`);
          for (let s = 1; s < cw; s++) assert.ok(w.i[0][s] > w.i[0][s - 1] && w.i[0][s] < n, 'ascending, below n');
        }
      }
    });
  }

  it('colAbsSum, scaleColumns, clampAll, scaleAll: wasm = js', () => {
    const rng = new Rng(4);
    for (const nPost of [3, 16, 40, 797]) {
      const stride = pad4(nPost);
      const nPre = 37;
      for (const clamp of [false, true]) {
        const { w, j } = twin({ f32: [nPre * stride, stride, stride, stride], i32: [] });
        fill(w.f[0], rng, -0.5, 1.5);
        fill(w.f[2], rng, 0.1, 3);
        j.f[0].set(w.f[0]);
        j.f[2].set(w.f[2]);
        w.k.colAbsSum(w.f[0], nPre, stride, w.f[1]);
        j.k.colAbsSum(j.f[0], nPre, stride, j.f[1]);
        sameBits(w.f[1], j.f[1], 'colAbsSum');
        w.k.scaleColumns(w.f[0], nPre, stride, w.f[2], 0, 1, clamp, w.f[3]);
        j.k.scaleColumns(j.f[0], nPre, stride, j.f[2], 0, 1, clamp, j.f[3]);
        sameBits(w.f[0], j.f[0], `scaleColumns clamp=${clamp}`);
        sameBits(w.f[3], j.f[3], 'scaleColumns sums');
        // The sums are those colAbsSum computes on the result.
        w.k.colAbsSum(w.f[0], nPre, stride, w.f[1]);
        sameBits(w.f[1], w.f[3], 'scaleColumns sums = colAbsSum');
        w.k.scaleAll(w.f[0], nPre * stride, 0.97, -0.2, 0.9, clamp);
        j.k.scaleAll(j.f[0], nPre * stride, 0.97, -0.2, 0.9, clamp);
        sameBits(w.f[0], j.f[0], 'scaleAll');
        w.k.clampAll(w.f[0], nPre * stride, 0.1, 0.5);
        j.k.clampAll(j.f[0], nPre * stride, 0.1, 0.5);
        sameBits(w.f[0], j.f[0], 'clampAll');
        for (const x of w.f[0]) assert.ok(x >= Math.fround(0.1) && x <= Math.fround(0.5));
      }
    }
  });

  it('the TS twins are what contexts with the js backend use', () => {
    assert.equal(new KernelContext('js').kernels, JS_KERNELS);
  });

  it('src/kernels/wasm/build/snn.wasm is the build of src/kernels/wasm/snn.ts (npm run build:wasm)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const script: string = pkg.scripts['build:wasm'];
    const args = script.split(/\s+/).slice(1);
    const o = args.indexOf('-o');
    assert.ok(o > 0 && args[o + 1] === 'src/kernels/wasm/build/snn.wasm', 'build:wasm writes src/kernels/wasm/build/snn.wasm');
    const dir = mkdtempSync(join(tmpdir(), 'spikeopt-asc-'));
    try {
      args[o + 1] = join(dir, 'snn.wasm');
      const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
      execFileSync(process.execPath, [asc, ...args], { cwd: root, stdio: 'pipe' });
      const fresh = readFileSync(join(dir, 'snn.wasm'));
      const committed = readFileSync(join(root, 'src', 'kernels', 'wasm', 'build', 'snn.wasm'));
      assert.ok(fresh.equals(committed), 'snn.wasm is stale: run `npm run build:wasm` and commit the result');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
