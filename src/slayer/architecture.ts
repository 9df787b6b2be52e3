/**
 * Network descriptions and their shapes: a list of blocks is checked and turned into per-block geometries
 * when a network is built, so a configuration that does not fit (a kernel larger than its padded input, a
 * layer of size zero) fails at once with the block and the sizes named (spec snn-models.md B5, system.md §3.3).
 */
import { UserError } from '../util/errors.js';
import { pad4, type ConvGeometry, type PoolGeometry } from '../kernels/slayer-kernels.js';

/** Conv block: 2-D convolution at every step, no bias. */
export interface ConvBlockSpec {
  kind: 'conv';
  name: string;
  out: number;
  kernel: number;
  stride?: number;
  pad?: number;
  /** Learnable axonal delay per output channel. */
  delay?: boolean;
  /** Neuron dropout probability (training only). */
  dropout?: number;
}

/** Per-channel sum pooling with weight 1 (not learnt). */
export interface PoolBlockSpec {
  kind: 'pool';
  name: string;
  kernel: number;
  stride?: number;
}

/** Dense block over the flattened C×H×W input. */
export interface DenseBlockSpec {
  kind: 'dense';
  name: string;
  out: number;
  delay?: boolean;
  dropout?: number;
}

export type BlockSpec = ConvBlockSpec | PoolBlockSpec | DenseBlockSpec;

/** Input of a network: channels × height × width at each of T steps. */
export interface InputShape {
  channels: number;
  height: number;
  width: number;
  T: number;
}

/** A checked block with its shapes. `conv` holds the synapse geometry of conv and dense blocks. */
export interface BlockPlan {
  readonly spec: BlockSpec;
  readonly index: number;
  readonly name: string;
  readonly kind: BlockSpec['kind'];
  /** Output channels, map size, positions, padded channel count. */
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly P: number;
  readonly cp: number;
  /** Input shape (channels × H × W). */
  readonly inC: number;
  readonly inH: number;
  readonly inW: number;
  readonly conv: ConvGeometry | null;
  readonly pool: PoolGeometry | null;
  /** Learnable weights (conv/dense): kh·kw·cin·coutp floats; 0 for pools. */
  readonly weightLength: number;
  readonly delay: boolean;
  readonly dropout: number;
  /** Whether the block's current and voltage decays are learnt (conv and dense; pools are fixed). */
  readonly learnsDecays: boolean;
}

function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new UserError(`${what} must be a positive integer, got ${v}.`);
  return v;
}

/**
 * Checks `blocks` against `input` and returns their plans; throws a UserError naming the block and sizes when
 * a shape does not fit.
 */
export function planNetwork(input: InputShape, blocks: readonly BlockSpec[]): BlockPlan[] {
  positiveInt(input.channels, 'input channels');
  positiveInt(input.height, 'input height');
  positiveInt(input.width, 'input width');
  positiveInt(input.T, 'time steps T');
  if (blocks.length === 0) throw new UserError('a network needs at least one block.');
  const names = new Set<string>();
  let C = input.channels;
  let H = input.height;
  let W = input.width;
  const T = input.T;
  const plans: BlockPlan[] = [];
  blocks.forEach((spec, index) => {
    const label = `block ${index} ('${spec.name}', ${spec.kind})`;
    if (names.has(spec.name)) throw new UserError(`${label}: duplicate block name.`);
    names.add(spec.name);
    const inC = C;
    const inH = H;
    const inW = W;
    let conv: ConvGeometry | null = null;
    let pool: PoolGeometry | null = null;
    let outC: number;
    let outH: number;
    let outW: number;
    if (spec.kind === 'conv') {
      const k = positiveInt(spec.kernel, `${label}: kernel`);
      const stride = positiveInt(spec.stride ?? 1, `${label}: stride`);
      const pad = spec.pad ?? 0;
      if (!Number.isInteger(pad) || pad < 0) throw new UserError(`${label}: pad must be a non-negative integer, got ${pad}.`);
      outC = positiveInt(spec.out, `${label}: filters`);
      if (k > H + 2 * pad || k > W + 2 * pad) {
        throw new UserError(`${label}: kernel ${k} is larger than its input ${H}×${W} (padding ${pad}).`);
      }
      outH = Math.floor((H + 2 * pad - k) / stride) + 1;
      outW = Math.floor((W + 2 * pad - k) / stride) + 1;
      conv = { cin: C, cout: outC, cinp: pad4(C), coutp: pad4(outC), hin: H, win: W, hout: outH, wout: outW, kh: k, kw: k, stride, pad, T };
    } else if (spec.kind === 'pool') {
      const k = positiveInt(spec.kernel, `${label}: kernel`);
      const stride = positiveInt(spec.stride ?? k, `${label}: stride`);
      if (k > H || k > W) throw new UserError(`${label}: pooling kernel ${k} is larger than its input ${H}×${W}.`);
      outC = C;
      outH = Math.floor((H - k) / stride) + 1;
      outW = Math.floor((W - k) / stride) + 1;
      pool = { c: C, cp: pad4(C), hin: H, win: W, hout: outH, wout: outW, k, stride, T };
    } else if (spec.kind === 'dense') {
      outC = positiveInt(spec.out, `${label}: output size`);
      outH = 1;
      outW = 1;
      conv = { cin: C, cout: outC, cinp: pad4(C), coutp: pad4(outC), hin: H, win: W, hout: 1, wout: 1, kh: H, kw: W, stride: 1, pad: 0, T };
    } else {
      throw new UserError(`${label}: unknown block kind.`);
    }
    if (outH < 1 || outW < 1) throw new UserError(`${label}: output map is empty (${outH}×${outW}) for input ${H}×${W}.`);
    const dropout = spec.kind === 'pool' ? 0 : spec.dropout ?? 0;
    if (!(dropout >= 0 && dropout < 1)) throw new UserError(`${label}: dropout must be in [0, 1), got ${dropout}.`);
    plans.push({
      spec,
      index,
      name: spec.name,
      kind: spec.kind,
      C: outC,
      H: outH,
      W: outW,
      P: outH * outW,
      cp: pad4(outC),
      inC,
      inH,
      inW,
      conv,
      pool,
      weightLength: conv ? conv.kh * conv.kw * conv.cin * conv.coutp : 0,
      delay: spec.kind !== 'pool' && (spec.delay ?? false),
      dropout,
      learnsDecays: spec.kind !== 'pool',
    });
    C = outC;
    H = outH;
    W = outW;
  });
  return plans;
}

/** Number of learnable values as the reference counts them: weights, delays and the 4 decays of every block. */
export function parameterCount(plans: readonly BlockPlan[]): number {
  let n = 0;
  for (const b of plans) {
    if (b.conv) n += b.conv.kh * b.conv.kw * b.conv.cin * b.conv.cout;
    if (b.delay) n += b.C;
    n += 4;
  }
  return n;
}
