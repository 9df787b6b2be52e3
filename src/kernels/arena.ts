/**
 * One block of memory for a set of kernels: arrays are reserved first, then {@link Arena.commit} allocates them all
 * at once, either in a WebAssembly instance's linear memory (so wasm kernels can address them by byte offset) or
 * in a plain ArrayBuffer (for the TypeScript twins). Sizing the memory once means views never detach.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A reserved array; `view()` is valid once its arena is committed. */
export interface ArenaSlot<A> {
  /** Element count requested. */
  readonly length: number;
  view(): A;
}

type Kind = 'f32' | 'f64' | 'i32';
type View = Float32Array | Float64Array | Int32Array;

interface Reservation {
  kind: Kind;
  length: number;
  offset: number;
  view: View | null;
}

const ALIGN = 64;
/** Room after every array for a trailing partial SIMD vector. */
const SLACK = 16;
/** First byte handed out: page 0 up to here stays unused as a guard (the kernels have no data segments). */
const ARENA_BASE = 1024;

/** Reserve, commit, view. */
export class Arena {
  private readonly reservations: Reservation[] = [];
  private next = ARENA_BASE;
  private committed = false;
  private memory: WebAssembly.Memory | null = null;
  private instance: WebAssembly.Instance | null = null;

  /** @param module a compiled kernel module importing `env.memory`, or null for an ArrayBuffer. */
  constructor(private readonly module: WebAssembly.Module | null) {}

  f32(length: number): ArenaSlot<Float32Array> {
    return this.reserve('f32', length) as ArenaSlot<Float32Array>;
  }

  f64(length: number): ArenaSlot<Float64Array> {
    return this.reserve('f64', length) as ArenaSlot<Float64Array>;
  }

  i32(length: number): ArenaSlot<Int32Array> {
    return this.reserve('i32', length) as ArenaSlot<Int32Array>;
  }

  /** Bytes reserved so far. */
  get reservedBytes(): number {
    return this.next;
  }

  private reserve(kind: Kind, length: number): ArenaSlot<View> {
    if (this.committed) throw new Error('Arena: cannot reserve after commit');
    if (!(Number.isInteger(length) && length >= 0)) throw new RangeError(`Arena: bad length ${length}`);
    const r: Reservation = { kind, length, offset: this.next, view: null };
    this.next += Math.ceil((length * (kind === 'f64' ? 8 : 4) + SLACK) / ALIGN) * ALIGN;
    this.reservations.push(r);
    return {
      length,
      view: () => {
        if (!r.view) throw new Error('Arena: view() before commit()');
        return r.view;
      },
    };
  }

  /** Allocates every reservation. */
  commit(): void {
    if (this.committed) return;
    this.committed = true;
    let buf: ArrayBuffer;
    if (this.module) {
      const pages = Math.max(1, Math.ceil(this.next / 65536));
      if (pages > 65536) throw new RangeError(`needs ${(this.next / 2 ** 30).toFixed(2)} GiB, above the 4 GiB of wasm32 memory`);
      this.memory = new WebAssembly.Memory({ initial: pages });
      this.instance = new WebAssembly.Instance(this.module, { env: { memory: this.memory } });
      buf = this.memory.buffer;
    } else {
      buf = new ArrayBuffer(this.next);
    }
    for (const r of this.reservations) {
      r.view = r.kind === 'f32' ? new Float32Array(buf, r.offset, r.length)
        : r.kind === 'f64' ? new Float64Array(buf, r.offset, r.length)
          : new Int32Array(buf, r.offset, r.length);
    }
  }

  /** The memory every view lives in (after commit). */
  buffer(): ArrayBufferLike {
    const first = this.reservations[0]?.view;
    if (this.memory) return this.memory.buffer;
    if (!first) throw new Error('Arena: not committed or empty');
    return first.buffer;
  }

  /** The wasm exports (wasm arenas, after commit). */
  exports(): Record<string, Function> {
    if (!this.instance) throw new Error('Arena: not committed or not a wasm arena');
    return this.instance.exports as unknown as Record<string, Function>;
  }
}

const modules = new Map<string, { module: WebAssembly.Module | null; error: string }>();

/**
 * Compiles (once per process) the kernel module `build/NAME.wasm` next to `src/kernels/wasm/`, found from the
 * source tree or from `dist/`; null with a reason when it is missing or the engine lacks SIMD.
 */
export function loadKernelModule(name: string): { module: WebAssembly.Module | null; error: string } {
  const hit = modules.get(name);
  if (hit) return hit;
  const candidates = [
    new URL(`./wasm/build/${name}.wasm`, import.meta.url),
    new URL(`../../../src/kernels/wasm/build/${name}.wasm`, import.meta.url),
  ].map((u) => fileURLToPath(u));
  const path = candidates.find((p) => existsSync(p));
  let result: { module: WebAssembly.Module | null; error: string };
  if (!path) {
    result = { module: null, error: `src/kernels/wasm/build/${name}.wasm not found (run \`npm run build\`)` };
  } else {
    try {
      result = { module: new WebAssembly.Module(readFileSync(path)), error: '' };
    } catch (e) {
      result = { module: null, error: `cannot compile ${path}: ${(e as Error).message}` };
    }
  }
  modules.set(name, result);
  return result;
}
