/**
 * The GP surrogate's hot loops, twice: as WebAssembly SIMD kernels (AssemblyScript, `src/kernels/wasm/gp.ts`,
 * compiled to `src/kernels/wasm/build/gp.wasm`) and as plain TypeScript twins that perform the same float64
 * (or float32) operations in the same order, so both backends give bit-identical results
 * (`test/kernels/gp-kernels.test.ts` checks it). The twins are also the fallback when the wasm file is
 * missing or cannot be compiled or instantiated (reported once on stderr).
 *
 * Memory model (as `snn-kernels.ts`): every array a kernel touches comes from the {@link GpArena} that owns the
 * kernels (for wasm: the instance's linear memory). Arrays are reserved first ({@link GpArena.f64},
 * {@link GpArena.f32}) and become usable after {@link GpArena.commit}, which sizes the memory once, so views
 * never detach. Each reservation is 64-byte aligned and followed by at least 16 spare bytes, which kernels may
 * read (never write) past the end of a row. A wasm arena needs a memory and an instance of the compiled module
 * (~0.1 ms to create): {@link GpArena.release} hands them to a small pool that later arenas reuse (their memory
 * grown as needed and the reserved bytes zeroed), so short-lived arenas cost little. Views of a released arena
 * must not be used.
 *
 * Matrices are row-major with an explicit leading dimension (row stride in elements) where the signature has
 * one; "n×n" arguments use n. Lower-triangular results leave the strict upper triangle untouched unless stated.
 *
 * Backend choice: 'auto' (the default) uses wasm when available; `SPIKEOPT_GP_KERNELS=js` forces the twins
 * (for comparisons), `=wasm` makes a missing module an error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Which implementation runs the kernels. */
export type GpKernelBackend = 'wasm' | 'js';

/** The kernel functions; array arguments must come from the owning arena. */
export interface GpKernels {
  readonly backend: GpKernelBackend;
  /**
   * out[i·ldo + j] = σ_f²·c(r_ij), r²_ij = Σ_k (a[i·lda + k]·invL[k] − bt[k·ldb + j])² (k in order), for i < na,
   * j < nb; bt is Bᵀ with row k divided by ℓ_k; c(r) = (1 + √5r + 5r²/3)e^{−√5r}.
   */
  crossKernel(
    a: Float64Array, lda: number, na: number, bt: Float64Array, ldb: number, nb: number, d: number,
    invL: Float64Array, sf2: number, out: Float64Array, ldo: number,
  ): void;
  /**
   * Training pairs j < i of xs (d×n, row k = coordinate k / ℓ_k, leading dimension ldx): corr = c(r),
   * gf = (5/3)(1 + √5r)e^{−√5r}, chol = σ_f²·corr (lower triangles of n×n matrices); on the diagonal
   * chol = diag, corr = 1, gf = 5/3.
   */
  maternPairs(
    xs: Float64Array, ldx: number, n: number, d: number, sf2: number, diag: number,
    corr: Float64Array, gf: Float64Array, chol: Float64Array,
  ): void;
  /**
   * With w_ij = α_iα_j − K⁻¹_ij (kinv full n×n): out[k] = Σ_{i>j} w_ij·gf_ij·(xs[k][i] − xs[k][j])² for k < d,
   * out[d] = Σ_{i>j} w_ij·corr_ij, out[d+1] = Σ_i (α_i² − K⁻¹_ii), out[d+2] = Σ_i α_i. pw (n×n) is scratch.
   */
  likelihoodGradient(
    xs: Float64Array, ldx: number, n: number, d: number, kinv: Float64Array, alpha: Float64Array,
    corr: Float64Array, gf: Float64Array, pw: Float64Array, out: Float64Array,
  ): void;
  /** Lower Cholesky factor in place (lower triangle only); -1 on success, else the first failing pivot. */
  cholesky(a: Float64Array, n: number): number;
  /** Solves L x = b in place (forward substitution; two-lane dot products). */
  solveLower(l: Float64Array, n: number, b: Float64Array): void;
  /** Solves Lᵀ x = b in place (back substitution with the rows of L). */
  solveLowerTransposed(l: Float64Array, n: number, b: Float64Array): void;
  /** u = L⁻ᵀ (upper triangular, zeros below) from the lower triangle of l; u must not alias l. */
  invertLowerTransposed(l: Float64Array, n: number, u: Float64Array): void;
  /** out = U·Uᵀ (full symmetric) for an upper-triangular U, i.e. A⁻¹ when U = L⁻ᵀ. */
  gramUpper(u: Float64Array, n: number, out: Float64Array): void;
  /** C (+)= A·B, A m×k, B k×p, C m×p (leading dimensions given); p even. */
  gemm64(
    a: Float64Array, lda: number, b: Float64Array, ldb: number, c: Float64Array, ldc: number,
    m: number, k: number, p: number, accumulate: boolean,
  ): void;
  /** C = A·B summed in float32 (A, B float32) and widened into C (float64); p a multiple of 4. */
  gemm32(
    a: Float32Array, lda: number, b: Float32Array, ldb: number, c: Float64Array, ldc: number,
    m: number, k: number, p: number,
  ): void;
  /** out[i][f] = cos(phase[f] + Σ_k x[i][k]·omega[k][f]) (sum from the phase, k in order); F even. */
  features64(
    x: Float64Array, ldx: number, m: number, d: number, omega: Float64Array, ldw: number, phase: Float64Array,
    F: number, out: Float64Array, ldo: number,
  ): void;
  /** As {@link GpKernels.features64} in float32 arithmetic; F a multiple of 4. */
  features32(
    x: Float32Array, ldx: number, m: number, d: number, omega: Float32Array, ldw: number, phase: Float32Array,
    F: number, out: Float32Array, ldo: number,
  ): void;
}

/** A reserved array; `view()` is valid once its arena is committed. */
export interface GpSlot<A> {
  readonly length: number;
  view(): A;
}

const ALIGN = 64;
/** Spare bytes after every reservation (kernels may read up to one vector past a row end). */
const SLACK = 16;
/** Page 0 below this offset stays unused (the module has no data segments). */
const ARENA_BASE = 1024;
const WASM_FILE = 'gp.wasm';

/** A memory and the instance bound to it, kept for reuse by later arenas. */
interface PooledInstance {
  memory: WebAssembly.Memory;
  instance: WebAssembly.Instance;
  /** Bytes from 0 that the last arena may have written (the rest of the memory is still zero). */
  dirty: number;
}

const pool: PooledInstance[] = [];
/** Free instances kept at most, and the largest memory kept (larger ones are left to the GC). */
const POOL_SIZE = 4;
const POOL_MAX_BYTES = 64 * 2 ** 20;

let cachedModule: WebAssembly.Module | null | undefined;
let cachedModuleError = '';
let warned = false;

function wasmPath(): string | null {
  const candidates = [
    new URL(`./wasm/build/${WASM_FILE}`, import.meta.url),
    new URL(`../../../src/kernels/wasm/build/${WASM_FILE}`, import.meta.url),
  ];
  for (const u of candidates) {
    const p = fileURLToPath(u);
    if (existsSync(p)) return p;
  }
  return null;
}

function wasmModule(): WebAssembly.Module | null {
  if (cachedModule !== undefined) return cachedModule;
  const p = wasmPath();
  if (!p) {
    cachedModuleError = `src/kernels/wasm/build/${WASM_FILE} not found (run \`npm run build:wasm:gp\`)`;
    cachedModule = null;
    return null;
  }
  try {
    cachedModule = new WebAssembly.Module(readFileSync(p));
  } catch (e) {
    cachedModuleError = `cannot compile ${p}: ${(e as Error).message}`;
    cachedModule = null;
    return null;
  }
  try {
    // A trial instance, so that a module which compiles but cannot be instantiated also falls back.
    const memory = new WebAssembly.Memory({ initial: 1 });
    pool.push({ memory, instance: new WebAssembly.Instance(cachedModule, { env: { memory } }), dirty: 0 });
  } catch (e) {
    cachedModuleError = `cannot instantiate ${p}: ${(e as Error).message}`;
    cachedModule = null;
  }
  return cachedModule;
}

/** True when the wasm SIMD GP kernels can be used (else the reason is in {@link gpWasmUnavailableReason}). */
export function gpWasmAvailable(): boolean {
  return wasmModule() !== null;
}

/** Why {@link gpWasmAvailable} is false ('' when it is true). */
export function gpWasmUnavailableReason(): string {
  wasmModule();
  return cachedModuleError;
}

let preferred: GpKernelBackend | 'auto' | undefined;

/**
 * Backend used by arenas created with 'auto': by default `SPIKEOPT_GP_KERNELS` (js | wasm | auto), else auto.
 * Setting it is meant for benchmarks and tests.
 */
export function setGpKernelBackend(backend: GpKernelBackend | 'auto'): void {
  preferred = backend;
}

function defaultBackend(): GpKernelBackend | 'auto' {
  if (preferred === undefined) {
    const env = process.env.SPIKEOPT_GP_KERNELS;
    preferred = env === 'js' || env === 'wasm' ? env : 'auto';
  }
  return preferred;
}

/** The backend an 'auto' arena gets now (reports the fallback once on stderr). */
export function gpKernelBackend(): GpKernelBackend {
  const want = defaultBackend();
  if (want === 'js') return 'js';
  if (wasmAvailable()) return 'wasm';
  if (want === 'wasm') throw new Error(`GP wasm kernels unavailable: ${cachedModuleError}`);
  if (!warned) {
    warned = true;
    process.stderr.write(`spikeopt: GP wasm kernels unavailable (${cachedModuleError}); using the TypeScript kernels\n`);
  }
  return 'js';
}

function wasmAvailable(): boolean {
  return wasmModule() !== null;
}

/** A pooled instance with at least `bytes` of memory, the first `bytes` zero (or a new one). */
function acquireInstance(bytes: number): PooledInstance {
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  if (pages > 65536) throw new RangeError(`GP arena needs ${(bytes / 2 ** 30).toFixed(2)} GiB, above the 4 GiB of wasm32 memory`);
  // Prefer the smallest pooled memory that is large enough, else the largest one (grown).
  let pick = -1;
  let pickSize = 0;
  for (let i = 0; i < pool.length; i++) {
    const size = pool[i].memory.buffer.byteLength;
    const better = pick < 0 || (size >= bytes ? pickSize < bytes || size < pickSize : pickSize < bytes && size > pickSize);
    if (better) {
      pick = i;
      pickSize = size;
    }
  }
  if (pick >= 0) {
    const p = pool.splice(pick, 1)[0];
    const have = p.memory.buffer.byteLength / 65536;
    if (have < pages) p.memory.grow(pages - have);
    new Uint8Array(p.memory.buffer, 0, Math.min(bytes, p.dirty)).fill(0);
    return p;
  }
  const memory = new WebAssembly.Memory({ initial: pages });
  return { memory, instance: new WebAssembly.Instance(wasmModule()!, { env: { memory } }), dirty: 0 };
}

interface Reservation {
  kind: 'f64' | 'f32';
  length: number;
  offset: number;
  view: Float64Array | Float32Array | null;
}

/** Owns the memory of one GP computation and the kernels that work on it. Reserve, commit, then take views. */
export class GpArena {
  readonly kernels: GpKernels;
  readonly backend: GpKernelBackend;
  private readonly reservations: Reservation[] = [];
  private next = ARENA_BASE;
  private committed = false;
  private released = false;
  private pooled: PooledInstance | null = null;

  /** @param backend 'wasm', 'js' (the twins) or 'auto' (see the module doc). */
  constructor(backend: GpKernelBackend | 'auto' = 'auto') {
    if (backend === 'wasm' && !wasmAvailable()) throw new Error(`GP wasm kernels unavailable: ${cachedModuleError}`);
    this.backend = backend === 'auto' ? gpKernelBackend() : backend;
    this.kernels = this.backend === 'wasm' ? new WasmGpKernels(this) : JS_GP_KERNELS;
  }

  /** Reserves a zero-filled float64 array. */
  f64(length: number): GpSlot<Float64Array> {
    return this.reserve('f64', length) as GpSlot<Float64Array>;
  }

  /** Reserves a zero-filled float32 array. */
  f32(length: number): GpSlot<Float32Array> {
    return this.reserve('f32', length) as GpSlot<Float32Array>;
  }

  /** Bytes reserved so far. */
  get reservedBytes(): number {
    return this.next;
  }

  private reserve(kind: 'f64' | 'f32', length: number): GpSlot<Float64Array | Float32Array> {
    if (this.committed) throw new Error('GpArena: cannot reserve after commit');
    if (!(Number.isInteger(length) && length >= 0)) throw new RangeError(`GpArena: bad length ${length}`);
    const r: Reservation = { kind, length, offset: this.next, view: null };
    this.next += Math.ceil((length * (kind === 'f64' ? 8 : 4) + SLACK) / ALIGN) * ALIGN;
    this.reservations.push(r);
    return {
      length,
      view: () => {
        if (!r.view) throw new Error(this.released ? 'GpArena: view() after release()' : 'GpArena: view() before commit()');
        return r.view;
      },
    };
  }

  /** Allocates every reservation (one memory of the right size for wasm). */
  commit(): void {
    if (this.committed) return;
    this.committed = true;
    let buf: ArrayBuffer;
    if (this.backend === 'wasm') {
      this.pooled = acquireInstance(this.next);
      buf = this.pooled.memory.buffer;
    } else {
      buf = new ArrayBuffer(this.next);
    }
    for (const r of this.reservations) {
      r.view = r.kind === 'f64' ? new Float64Array(buf, r.offset, r.length) : new Float32Array(buf, r.offset, r.length);
    }
  }

  /**
   * Ends the arena's use: its wasm memory and instance go back to the pool for later arenas. Its views (and
   * its kernels) must not be used afterwards. Optional: an arena never released is simply collected.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const r of this.reservations) r.view = null;
    const p = this.pooled;
    this.pooled = null;
    if (p) p.dirty = Math.max(p.dirty, this.next);
    if (p && pool.length < POOL_SIZE && p.memory.buffer.byteLength <= POOL_MAX_BYTES) pool.push(p);
  }

  /** The wasm exports (wasm backend, after commit). */
  exports(): Record<string, Function> {
    if (!this.pooled) throw new Error(this.released ? 'GpArena: used after release()' : 'GpArena: not committed or not wasm');
    return this.pooled.instance.exports as unknown as Record<string, Function>;
  }
}

/** Kernels that call the wasm instance of an arena (arrays are passed as byte offsets). */
class WasmGpKernels implements GpKernels {
  readonly backend = 'wasm' as const;
  constructor(private readonly arena: GpArena) {}

  private get x(): Record<string, Function> {
    // Not cached: a released arena must fail loudly rather than run on memory another arena now owns.
    return this.arena.exports();
  }

  crossKernel(a: Float64Array, lda: number, na: number, bt: Float64Array, ldb: number, nb: number, d: number, invL: Float64Array, sf2: number, out: Float64Array, ldo: number): void {
    this.x.crossKernel(a.byteOffset, lda, na, bt.byteOffset, ldb, nb, d, invL.byteOffset, sf2, out.byteOffset, ldo);
  }

  maternPairs(xs: Float64Array, ldx: number, n: number, d: number, sf2: number, diag: number, corr: Float64Array, gf: Float64Array, chol: Float64Array): void {
    this.x.maternPairs(xs.byteOffset, ldx, n, d, sf2, diag, corr.byteOffset, gf.byteOffset, chol.byteOffset);
  }

  likelihoodGradient(xs: Float64Array, ldx: number, n: number, d: number, kinv: Float64Array, alpha: Float64Array, corr: Float64Array, gf: Float64Array, pw: Float64Array, out: Float64Array): void {
    this.x.likelihoodGradient(xs.byteOffset, ldx, n, d, kinv.byteOffset, alpha.byteOffset, corr.byteOffset, gf.byteOffset, pw.byteOffset, out.byteOffset);
  }

  cholesky(a: Float64Array, n: number): number {
    return this.x.cholesky(a.byteOffset, n);
  }

  solveLower(l: Float64Array, n: number, b: Float64Array): void {
    this.x.solveLower(l.byteOffset, n, b.byteOffset);
  }

  solveLowerTransposed(l: Float64Array, n: number, b: Float64Array): void {
    this.x.solveLowerTransposed(l.byteOffset, n, b.byteOffset);
  }

  invertLowerTransposed(l: Float64Array, n: number, u: Float64Array): void {
    this.x.invertLowerTransposed(l.byteOffset, n, u.byteOffset);
  }

  gramUpper(u: Float64Array, n: number, out: Float64Array): void {
    this.x.gramUpper(u.byteOffset, n, out.byteOffset);
  }

  gemm64(a: Float64Array, lda: number, b: Float64Array, ldb: number, c: Float64Array, ldc: number, m: number, k: number, p: number, accumulate: boolean): void {
    checkEven(p, 'gemm64');
    this.x.gemm64(a.byteOffset, lda, b.byteOffset, ldb, c.byteOffset, ldc, m, k, p, accumulate ? 1 : 0);
  }

  gemm32(a: Float32Array, lda: number, b: Float32Array, ldb: number, c: Float64Array, ldc: number, m: number, k: number, p: number): void {
    checkMultiple4(p, 'gemm32');
    this.x.gemm32(a.byteOffset, lda, b.byteOffset, ldb, c.byteOffset, ldc, m, k, p);
  }

  features64(x: Float64Array, ldx: number, m: number, d: number, omega: Float64Array, ldw: number, phase: Float64Array, F: number, out: Float64Array, ldo: number): void {
    checkEven(F, 'features64');
    this.x.features64(x.byteOffset, ldx, m, d, omega.byteOffset, ldw, phase.byteOffset, F, out.byteOffset, ldo);
  }

  features32(x: Float32Array, ldx: number, m: number, d: number, omega: Float32Array, ldw: number, phase: Float32Array, F: number, out: Float32Array, ldo: number): void {
    checkMultiple4(F, 'features32');
    this.x.features32(x.byteOffset, ldx, m, d, omega.byteOffset, ldw, phase.byteOffset, F, out.byteOffset, ldo);
  }
}

function checkEven(p: number, what: string): void {
  if (p & 1) throw new RangeError(`${what}: column count ${p} must be even`);
}

function checkMultiple4(p: number, what: string): void {
  if (p & 3) throw new RangeError(`${what}: column count ${p} must be a multiple of 4`);
}

// ---------------------------------------------------------------------------------------------------------
// Scalar twins of the vector helpers (same constants, same operations, same order)

const LOG2E = 1.4426950408889634;
const MAGIC = 6755399441055744.0;
const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const EXP_MIN = -708.0;
const E2 = 1 / 2;
const E3 = 1 / 6;
const E4 = 1 / 24;
const E5 = 1 / 120;
const E6 = 1 / 720;
const E7 = 1 / 5040;
const E8 = 1 / 40320;
const E9 = 1 / 362880;
const E10 = 1 / 3628800;
const E11 = 1 / 39916800;
const E12 = 1 / 479001600;
const E13 = 1 / 6227020800;

/** 2^k for k = −1022 … 1023 at index k + 1022, built from the bit pattern (exact). */
const POW2 = (() => {
  const t = new Float64Array(2046);
  const dv = new DataView(new ArrayBuffer(8));
  for (let k = -1022; k <= 1023; k++) {
    dv.setUint32(0, (k + 1023) << 20);
    dv.setUint32(4, 0);
    t[k + 1022] = dv.getFloat64(0);
  }
  return t;
})();

/** exp(x) for x ≤ 0, as the wasm `expNeg2` lane (x below −708 is treated as −708). */
export function expNeg(x: number): number {
  if (x < EXP_MIN) x = EXP_MIN;
  const t = x * LOG2E + MAGIC;
  const k = t - MAGIC;
  const r = x - k * LN2_HI - k * LN2_LO;
  let p = E13;
  p = p * r + E12;
  p = p * r + E11;
  p = p * r + E10;
  p = p * r + E9;
  p = p * r + E8;
  p = p * r + E7;
  p = p * r + E6;
  p = p * r + E5;
  p = p * r + E4;
  p = p * r + E3;
  p = p * r + E2;
  p = p * r + 1;
  p = p * r + 1;
  return p * POW2[k + 1022];
}

const TWO_PI = 6.283185307179586;
const INV_TWO_PI = 0.15915494309189535;
const C3 = -1 / 6;
const C5 = 1 / 120;
const C7 = -1 / 5040;
const C9 = 1 / 362880;
const C11 = -1 / 39916800;
const C13 = 1 / 6227020800;
const C15 = -1 / 1307674368000;

/** cos(x), absolute error < 1e-11 for |x| < 1e5, as the wasm `cos2` lane. */
export function cos64(x: number): number {
  const t = x * INV_TWO_PI;
  const n = t + MAGIC - MAGIC;
  const v = (0.25 - Math.abs(t - n)) * TWO_PI;
  const v2 = v * v;
  let p = C15;
  p = p * v2 + C13;
  p = p * v2 + C11;
  p = p * v2 + C9;
  p = p * v2 + C7;
  p = p * v2 + C5;
  p = p * v2 + C3;
  p = p * v2 + 1;
  return v * p;
}

const f = Math.fround;
const MAGIC32 = 12582912;
const TWO_PI32 = f(6.2831854820251465);
const INV_TWO_PI32 = f(0.15915493667125702);
const S3 = f(-0.1666666716337204);
const S5 = f(0.008333333767950535);
const S7 = f(-0.0001984127011382952);
const S9 = f(0.0000027557319830521476);
const S11 = f(-2.505210838544172e-8);

/**
 * cos of a float32 value in float32 arithmetic (absolute error ~2e-7 for |x| < 1e5), as the wasm `cos4` lane.
 * (A float32 operation equals the float64 operation rounded to float32, so each step is `fround` of it.)
 */
export function cos32(x: number): number {
  const t = f(x * INV_TWO_PI32);
  const n = f(f(t + MAGIC32) - MAGIC32);
  const v = f(f(0.25 - Math.abs(f(t - n))) * TWO_PI32);
  const v2 = f(v * v);
  let p = S11;
  p = f(f(p * v2) + S9);
  p = f(f(p * v2) + S7);
  p = f(f(p * v2) + S5);
  p = f(f(p * v2) + S3);
  p = f(f(p * v2) + 1);
  return f(v * p);
}

/** Two-lane dot product of len terms x[xo…], y[yo…] (lane convention of the wasm module). */
function dot2(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let e = 0;
  let o = 0;
  const even = len & ~1;
  for (let k = 0; k < even; k += 2) {
    e += x[xo + k] * y[yo + k];
    o += x[xo + k + 1] * y[yo + k + 1];
  }
  if (len & 1) e += x[xo + even] * y[yo + even];
  return e + o;
}

/** Results of {@link dots2x2}. */
const DOTS = new Float64Array(4);

/**
 * The four two-lane dot products of rows x[xa…], x[xb…] with rows y[ya…], y[yb…] over len terms, in one pass:
 * DOTS = [xa·ya, xa·yb, xb·ya, xb·yb].
 */
function dots2x2(x: Float64Array, xa: number, xb: number, y: Float64Array, ya: number, yb: number, len: number): Float64Array {
  let e00 = 0, o00 = 0, e01 = 0, o01 = 0, e10 = 0, o10 = 0, e11 = 0, o11 = 0;
  const even = len & ~1;
  for (let k = 0; k < even; k += 2) {
    const x0 = x[xa + k];
    const x0b = x[xa + k + 1];
    const x1 = x[xb + k];
    const x1b = x[xb + k + 1];
    const y0 = y[ya + k];
    const y0b = y[ya + k + 1];
    const y1 = y[yb + k];
    const y1b = y[yb + k + 1];
    e00 += x0 * y0;
    o00 += x0b * y0b;
    e01 += x0 * y1;
    o01 += x0b * y1b;
    e10 += x1 * y0;
    o10 += x1b * y0b;
    e11 += x1 * y1;
    o11 += x1b * y1b;
  }
  if (len & 1) {
    const x0 = x[xa + even];
    const x1 = x[xb + even];
    const y0 = y[ya + even];
    const y1 = y[yb + even];
    e00 += x0 * y0;
    e01 += x0 * y1;
    e10 += x1 * y0;
    e11 += x1 * y1;
  }
  DOTS[0] = e00 + o00;
  DOTS[1] = e01 + o01;
  DOTS[2] = e10 + o10;
  DOTS[3] = e11 + o11;
  return DOTS;
}

const C53 = 5 / 3;

/** Plain TypeScript twins of the wasm kernels. */
export const JS_GP_KERNELS: GpKernels = {
  backend: 'js',

  // Loops run point by point with the reduction index outside the contiguous one; every output still sums
  // its terms in the order of the wasm kernel, so the results are identical.
  crossKernel(a, lda, na, bt, ldb, nb, d, invL, sf2, out, ldo) {
    const r2 = new Float64Array(nb);
    for (let i = 0; i < na; i++) {
      const ai = i * lda;
      r2.fill(0);
      for (let k = 0; k < d; k++) {
        const v = a[ai + k] * invL[k];
        const bk = k * ldb;
        for (let j = 0; j < nb; j++) {
          const t = v - bt[bk + j];
          r2[j] += t * t;
        }
      }
      const oi = i * ldo;
      for (let j = 0; j < nb; j++) {
        const q5 = 5 * r2[j];
        const s = Math.sqrt(q5);
        out[oi + j] = sf2 * ((1 + s + q5 / 3) * expNeg(-s));
      }
    }
  },

  maternPairs(xs, ldx, n, d, sf2, diag, corr, gf, chol) {
    const r2 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      r2.fill(0, 0, i);
      for (let k = 0; k < d; k++) {
        const xk = k * ldx;
        const xi = xs[xk + i];
        for (let j = 0; j < i; j++) {
          const t = xi - xs[xk + j];
          r2[j] += t * t;
        }
      }
      for (let j = 0; j < i; j++) {
        const q5 = 5 * r2[j];
        const s = Math.sqrt(q5);
        const e = expNeg(-s);
        const c = (1 + s + q5 / 3) * e;
        corr[ri + j] = c;
        chol[ri + j] = sf2 * c;
        gf[ri + j] = C53 * (1 + s) * e;
      }
      chol[ri + i] = diag;
      corr[ri + i] = 1;
      gf[ri + i] = C53;
    }
  },

  likelihoodGradient(xs, ldx, n, d, kinv, alpha, corr, gf, pw, out) {
    let ps0 = 0;
    let ps1 = 0;
    let traceW = 0;
    let sumAlpha = 0;
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      const ai = alpha[i];
      let j = 0;
      for (; j + 2 <= i; j += 2) {
        const w0 = ai * alpha[j] - kinv[ri + j];
        const w1 = ai * alpha[j + 1] - kinv[ri + j + 1];
        ps0 += w0 * corr[ri + j];
        ps1 += w1 * corr[ri + j + 1];
        pw[ri + j] = w0 * gf[ri + j];
        pw[ri + j + 1] = w1 * gf[ri + j + 1];
      }
      if (j < i) {
        const w = ai * alpha[j] - kinv[ri + j];
        ps0 += w * corr[ri + j];
        pw[ri + j] = w * gf[ri + j];
      }
      traceW += ai * ai - kinv[ri + i];
      sumAlpha += ai;
    }
    out[d] = ps0 + ps1;
    out[d + 1] = traceW;
    out[d + 2] = sumAlpha;
    for (let k = 0; k < d; k++) {
      const xk = k * ldx;
      let s0 = 0;
      let s1 = 0;
      for (let i = 1; i < n; i++) {
        const ri = i * n;
        const xi = xs[xk + i];
        let j = 0;
        for (; j + 2 <= i; j += 2) {
          const t0 = xi - xs[xk + j];
          const t1 = xi - xs[xk + j + 1];
          s0 += pw[ri + j] * (t0 * t0);
          s1 += pw[ri + j + 1] * (t1 * t1);
        }
        if (j < i) {
          const t0 = xi - xs[xk + j];
          s0 += pw[ri + j] * (t0 * t0);
        }
      }
      out[k] = s0 + s1;
    }
  },

  cholesky(a, n) {
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const r0 = i * n;
      const r1 = r0 + n;
      let j = 0;
      for (; j + 3 < i; j += 4) {
        const c0 = j * n;
        const c1 = c0 + n;
        const c2 = c1 + n;
        const c3 = c2 + n;
        let h = dots2x2(a, r0, r1, a, c0, c1, j);
        const h00 = h[0];
        const h01 = h[1];
        const h10 = h[2];
        const h11 = h[3];
        h = dots2x2(a, r0, r1, a, c2, c3, j);
        const h02 = h[0];
        const h03 = h[1];
        const h12 = h[2];
        const h13 = h[3];
        const l10 = a[c1 + j];
        const l20 = a[c2 + j];
        const l21 = a[c2 + j + 1];
        const l30 = a[c3 + j];
        const l31 = a[c3 + j + 1];
        const l32 = a[c3 + j + 2];
        const d0 = a[c0 + j];
        const d1 = a[c1 + j + 1];
        const d2 = a[c2 + j + 2];
        const d3 = a[c3 + j + 3];
        const x00 = (a[r0 + j] - h00) / d0;
        const x10 = (a[r1 + j] - h10) / d0;
        const x01 = (a[r0 + j + 1] - h01 - x00 * l10) / d1;
        const x11 = (a[r1 + j + 1] - h11 - x10 * l10) / d1;
        const x02 = (a[r0 + j + 2] - h02 - x00 * l20 - x01 * l21) / d2;
        const x12 = (a[r1 + j + 2] - h12 - x10 * l20 - x11 * l21) / d2;
        const x03 = (a[r0 + j + 3] - h03 - x00 * l30 - x01 * l31 - x02 * l32) / d3;
        const x13 = (a[r1 + j + 3] - h13 - x10 * l30 - x11 * l31 - x12 * l32) / d3;
        a[r0 + j] = x00;
        a[r0 + j + 1] = x01;
        a[r0 + j + 2] = x02;
        a[r0 + j + 3] = x03;
        a[r1 + j] = x10;
        a[r1 + j + 1] = x11;
        a[r1 + j + 2] = x12;
        a[r1 + j + 3] = x13;
      }
      for (; j + 1 < i; j += 2) {
        const c0 = j * n;
        const c1 = c0 + n;
        let e00 = 0, o00 = 0, e01 = 0, o01 = 0, e10 = 0, o10 = 0, e11 = 0, o11 = 0;
        for (let k = 0; k < j; k += 2) {
          const x0 = a[r0 + k];
          const x0b = a[r0 + k + 1];
          const x1 = a[r1 + k];
          const x1b = a[r1 + k + 1];
          const y0 = a[c0 + k];
          const y0b = a[c0 + k + 1];
          const y1 = a[c1 + k];
          const y1b = a[c1 + k + 1];
          e00 += x0 * y0;
          o00 += x0b * y0b;
          e01 += x0 * y1;
          o01 += x0b * y1b;
          e10 += x1 * y0;
          o10 += x1b * y0b;
          e11 += x1 * y1;
          o11 += x1b * y1b;
        }
        const djj = a[c0 + j];
        const l = a[c1 + j];
        const d11 = a[c1 + j + 1];
        const x0 = (a[r0 + j] - (e00 + o00)) / djj;
        const x1 = (a[r1 + j] - (e10 + o10)) / djj;
        a[r0 + j] = x0;
        a[r1 + j] = x1;
        a[r0 + j + 1] = (a[r0 + j + 1] - (e01 + o01) - x0 * l) / d11;
        a[r1 + j + 1] = (a[r1 + j + 1] - (e11 + o11) - x1 * l) / d11;
      }
      let e0 = 0, o0 = 0, e1 = 0, o1 = 0, e2 = 0, o2 = 0;
      for (let k = 0; k < i; k += 2) {
        const x0 = a[r0 + k];
        const x0b = a[r0 + k + 1];
        const x1 = a[r1 + k];
        const x1b = a[r1 + k + 1];
        e0 += x0 * x0;
        o0 += x0b * x0b;
        e1 += x1 * x0;
        o1 += x1b * x0b;
        e2 += x1 * x1;
        o2 += x1b * x1b;
      }
      const p0 = a[r0 + i] - (e0 + o0);
      if (!(p0 > 0)) return i;
      const dii = Math.sqrt(p0);
      a[r0 + i] = dii;
      const l10 = (a[r1 + i] - (e1 + o1)) / dii;
      a[r1 + i] = l10;
      const p1 = a[r1 + i + 1] - (e2 + o2) - l10 * l10;
      if (!(p1 > 0)) return i + 1;
      a[r1 + i + 1] = Math.sqrt(p1);
    }
    if (i < n) {
      const r0 = i * n;
      for (let j = 0; j <= i; j++) {
        const c0 = j * n;
        const v = a[r0 + j] - dot2(a, r0, a, c0, j);
        if (j < i) {
          a[r0 + j] = v / a[c0 + j];
        } else {
          if (!(v > 0)) return i;
          a[r0 + i] = Math.sqrt(v);
        }
      }
    }
    return -1;
  },

  solveLower(l, n, b) {
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      b[i] = (b[i] - dot2(l, ri, b, 0, i)) / l[ri + i];
    }
  },

  solveLowerTransposed(l, n, b) {
    for (let i = n - 1; i >= 0; i--) {
      const ri = i * n;
      const x = b[i] / l[ri + i];
      b[i] = x;
      for (let k = 0; k < i; k++) b[k] -= l[ri + k] * x;
    }
  },

  invertLowerTransposed(l, n, u) {
    u.fill(0, 0, n * n);
    let c = 0;
    for (; c + 1 < n; c += 2) {
      const u0 = c * n;
      const u1 = u0 + n;
      const lc1 = u1;
      const ucc = 1 / l[u0 + c];
      const ud1 = 1 / l[lc1 + c + 1];
      u[u0 + c] = ucc;
      u[u1 + c + 1] = ud1;
      u[u0 + c + 1] = -(l[lc1 + c] * ucc) / l[lc1 + c + 1];
      let i = c + 2;
      for (; i + 3 < n; i += 4) {
        const l0 = i * n;
        const l1 = l0 + n;
        const l2 = l1 + n;
        const l3 = l2 + n;
        const len = i - c;
        let h = dots2x2(l, l0 + c, l1 + c, u, u0 + c, u1 + c, len);
        const h00 = h[0];
        const h01 = h[1];
        const h10 = h[2];
        const h11 = h[3];
        h = dots2x2(l, l2 + c, l3 + c, u, u0 + c, u1 + c, len);
        const h20 = h[0];
        const h21 = h[1];
        const h30 = h[2];
        const h31 = h[3];
        const m10 = l[l1 + i];
        const m20 = l[l2 + i];
        const m21 = l[l2 + i + 1];
        const m30 = l[l3 + i];
        const m31 = l[l3 + i + 1];
        const m32 = l[l3 + i + 2];
        const d0 = l[l0 + i];
        const d1 = l[l1 + i + 1];
        const d2 = l[l2 + i + 2];
        const d3 = l[l3 + i + 3];
        const x0 = -h00 / d0;
        const x1 = -h01 / d0;
        const y0 = -(h10 + m10 * x0) / d1;
        const y1 = -(h11 + m10 * x1) / d1;
        const z0 = -(h20 + m20 * x0 + m21 * y0) / d2;
        const z1 = -(h21 + m20 * x1 + m21 * y1) / d2;
        const w0 = -(h30 + m30 * x0 + m31 * y0 + m32 * z0) / d3;
        const w1 = -(h31 + m30 * x1 + m31 * y1 + m32 * z1) / d3;
        u[u0 + i] = x0;
        u[u0 + i + 1] = y0;
        u[u0 + i + 2] = z0;
        u[u0 + i + 3] = w0;
        u[u1 + i] = x1;
        u[u1 + i + 1] = y1;
        u[u1 + i + 2] = z1;
        u[u1 + i + 3] = w1;
      }
      for (; i + 1 < n; i += 2) {
        const l0 = i * n;
        const l1 = l0 + n;
        let e00 = 0, o00 = 0, e01 = 0, o01 = 0, e10 = 0, o10 = 0, e11 = 0, o11 = 0;
        for (let k = c; k < i; k += 2) {
          const a0 = l[l0 + k];
          const a0b = l[l0 + k + 1];
          const a1 = l[l1 + k];
          const a1b = l[l1 + k + 1];
          const v0 = u[u0 + k];
          const v0b = u[u0 + k + 1];
          const v1 = u[u1 + k];
          const v1b = u[u1 + k + 1];
          e00 += a0 * v0;
          o00 += a0b * v0b;
          e01 += a0 * v1;
          o01 += a0b * v1b;
          e10 += a1 * v0;
          o10 += a1b * v0b;
          e11 += a1 * v1;
          o11 += a1b * v1b;
        }
        const dii = l[l0 + i];
        const x0 = -(e00 + o00) / dii;
        const x1 = -(e01 + o01) / dii;
        u[u0 + i] = x0;
        u[u1 + i] = x1;
        const li = l[l1 + i];
        const d11 = l[l1 + i + 1];
        u[u0 + i + 1] = -(e10 + o10 + li * x0) / d11;
        u[u1 + i + 1] = -(e11 + o11 + li * x1) / d11;
      }
      if (i < n) {
        const l0 = i * n;
        const len = i - c;
        const s0 = dot2(l, l0 + c, u, u0 + c, len);
        const s1 = dot2(l, l0 + c, u, u1 + c, len);
        const dii = l[l0 + i];
        u[u0 + i] = -s0 / dii;
        u[u1 + i] = -s1 / dii;
      }
    }
    if (c < n) u[c * n + c] = 1 / l[c * n + c];
  },

  gramUpper(u, n, out) {
    let a = 0;
    for (; a + 1 < n; a += 2) {
      const ua0 = a * n;
      const ua1 = ua0 + n;
      const len = n - a;
      const end = a + (len & ~1);
      const odd = (len & 1) !== 0;
      let b = 0;
      for (; b + 1 < a; b += 2) {
        const ub0 = b * n;
        const ub1 = ub0 + n;
        let e00 = 0, o00 = 0, e01 = 0, o01 = 0, e10 = 0, o10 = 0, e11 = 0, o11 = 0;
        for (let k = a; k < end; k += 2) {
          const x0 = u[ua0 + k];
          const x0b = u[ua0 + k + 1];
          const x1 = u[ua1 + k];
          const x1b = u[ua1 + k + 1];
          const y0 = u[ub0 + k];
          const y0b = u[ub0 + k + 1];
          const y1 = u[ub1 + k];
          const y1b = u[ub1 + k + 1];
          e00 += x0 * y0;
          o00 += x0b * y0b;
          e01 += x0 * y1;
          o01 += x0b * y1b;
          e10 += x1 * y0;
          o10 += x1b * y0b;
          e11 += x1 * y1;
          o11 += x1b * y1b;
        }
        if (odd) {
          const x0 = u[ua0 + end];
          const x1 = u[ua1 + end];
          const y0 = u[ub0 + end];
          const y1 = u[ub1 + end];
          e00 += x0 * y0;
          e01 += x0 * y1;
          e10 += x1 * y0;
          e11 += x1 * y1;
        }
        const v00 = e00 + o00;
        const v01 = e01 + o01;
        const v10 = e10 + o10;
        const v11 = e11 + o11;
        out[ua0 + b] = v00;
        out[ua0 + b + 1] = v01;
        out[ua1 + b] = v10;
        out[ua1 + b + 1] = v11;
        out[ub0 + a] = v00;
        out[ub1 + a] = v01;
        out[ub0 + a + 1] = v10;
        out[ub1 + a + 1] = v11;
      }
      let e0 = 0, o0 = 0, e1 = 0, o1 = 0, e2 = 0, o2 = 0;
      for (let k = a; k < end; k += 2) {
        const x0 = u[ua0 + k];
        const x0b = u[ua0 + k + 1];
        const x1 = u[ua1 + k];
        const x1b = u[ua1 + k + 1];
        e0 += x0 * x0;
        o0 += x0b * x0b;
        e1 += x1 * x0;
        o1 += x1b * x0b;
        e2 += x1 * x1;
        o2 += x1b * x1b;
      }
      if (odd) {
        const x0 = u[ua0 + end];
        const x1 = u[ua1 + end];
        e0 += x0 * x0;
        e1 += x1 * x0;
        e2 += x1 * x1;
      }
      const v1 = e1 + o1;
      out[ua0 + a] = e0 + o0;
      out[ua1 + a] = v1;
      out[ua0 + a + 1] = v1;
      out[ua1 + a + 1] = e2 + o2;
    }
    if (a < n) {
      const ua = a * n;
      const v = u[ua + a];
      for (let b = 0; b <= a; b++) {
        const s = v * u[b * n + a];
        out[ua + b] = s;
        out[b * n + a] = s;
      }
    }
  },

  // 2 rows × 4 columns in registers, q innermost: every output sums its terms in order q = 0 … k−1 (from C or
  // from 0), as the wasm kernel does.
  gemm64(a, lda, b, ldb, c, ldc, m, k, p, accumulate) {
    checkEven(p, 'gemm64');
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const a0 = i * lda;
      const a1 = a0 + lda;
      const c0 = i * ldc;
      const c1 = c0 + ldc;
      let j = 0;
      for (; j + 3 < p; j += 4) {
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        if (accumulate) {
          s00 = c[c0 + j]; s01 = c[c0 + j + 1]; s02 = c[c0 + j + 2]; s03 = c[c0 + j + 3];
          s10 = c[c1 + j]; s11 = c[c1 + j + 1]; s12 = c[c1 + j + 2]; s13 = c[c1 + j + 3];
        }
        for (let q = 0, bq = j; q < k; q++, bq += ldb) {
          const u = a[a0 + q];
          const v = a[a1 + q];
          const b0 = b[bq];
          const b1 = b[bq + 1];
          const b2 = b[bq + 2];
          const b3 = b[bq + 3];
          s00 += u * b0;
          s01 += u * b1;
          s02 += u * b2;
          s03 += u * b3;
          s10 += v * b0;
          s11 += v * b1;
          s12 += v * b2;
          s13 += v * b3;
        }
        c[c0 + j] = s00; c[c0 + j + 1] = s01; c[c0 + j + 2] = s02; c[c0 + j + 3] = s03;
        c[c1 + j] = s10; c[c1 + j + 1] = s11; c[c1 + j + 2] = s12; c[c1 + j + 3] = s13;
      }
      for (; j < p; j++) {
        let s0 = accumulate ? c[c0 + j] : 0;
        let s1 = accumulate ? c[c1 + j] : 0;
        for (let q = 0, bq = j; q < k; q++, bq += ldb) {
          s0 += a[a0 + q] * b[bq];
          s1 += a[a1 + q] * b[bq];
        }
        c[c0 + j] = s0;
        c[c1 + j] = s1;
      }
    }
    if (i < m) {
      const a0 = i * lda;
      const c0 = i * ldc;
      for (let j = 0; j < p; j++) {
        let s0 = accumulate ? c[c0 + j] : 0;
        for (let q = 0, bq = j; q < k; q++, bq += ldb) s0 += a[a0 + q] * b[bq];
        c[c0 + j] = s0;
      }
    }
  },

  gemm32(a, lda, b, ldb, c, ldc, m, k, p) {
    checkMultiple4(p, 'gemm32');
    const acc = new Float32Array(p);
    for (let i = 0; i < m; i++) {
      const ai = i * lda;
      acc.fill(0);
      for (let q = 0; q < k; q++) {
        const v = a[ai + q];
        const bq = q * ldb;
        // A Float32Array store rounds once; the product of two float32 values is rounded first.
        for (let j = 0; j < p; j++) acc[j] += f(v * b[bq + j]);
      }
      const ci = i * ldc;
      for (let j = 0; j < p; j++) c[ci + j] = acc[j];
    }
  },

  features64(x, ldx, m, d, omega, ldw, phase, F, out, ldo) {
    checkEven(F, 'features64');
    let i = 0;
    // Two points × two frequencies in registers, k innermost (the sum runs from the phase, k in order).
    for (; i + 1 < m; i += 2) {
      const x0 = i * ldx;
      const x1 = x0 + ldx;
      const o0 = i * ldo;
      const o1 = o0 + ldo;
      for (let j = 0; j < F; j += 2) {
        let z00 = phase[j];
        let z01 = phase[j + 1];
        let z10 = z00;
        let z11 = z01;
        for (let k = 0, w = j; k < d; k++, w += ldw) {
          const u = x[x0 + k];
          const v = x[x1 + k];
          const w0 = omega[w];
          const w1 = omega[w + 1];
          z00 += u * w0;
          z01 += u * w1;
          z10 += v * w0;
          z11 += v * w1;
        }
        out[o0 + j] = cos64(z00);
        out[o0 + j + 1] = cos64(z01);
        out[o1 + j] = cos64(z10);
        out[o1 + j + 1] = cos64(z11);
      }
    }
    if (i < m) {
      const x0 = i * ldx;
      const o0 = i * ldo;
      for (let j = 0; j < F; j++) {
        let z = phase[j];
        for (let k = 0, w = j; k < d; k++, w += ldw) z += x[x0 + k] * omega[w];
        out[o0 + j] = cos64(z);
      }
    }
  },

  features32(x, ldx, m, d, omega, ldw, phase, F, out, ldo) {
    checkMultiple4(F, 'features32');
    for (let i = 0; i < m; i++) {
      const xi = i * ldx;
      const oi = i * ldo;
      for (let j = 0; j < F; j++) out[oi + j] = phase[j];
      for (let k = 0; k < d; k++) {
        const v = x[xi + k];
        const wk = k * ldw;
        // The Float32Array store rounds the sum once: a float32 addition of the float32 product.
        for (let j = 0; j < F; j++) out[oi + j] += f(v * omega[wk + j]);
      }
      for (let j = 0; j < F; j++) out[oi + j] = cos32(out[oi + j]);
    }
  },
};
