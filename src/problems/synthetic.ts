/**
 * The benchmark problems that accept the optimizer (spec scbo.md §11.1). All are minimisation problems with
 * constraints c(x) <= 0 feasible; each doubles as an example of the objective-module interface.
 */
import type { ParameterSpec } from '../space/types.js';

export interface ObjectiveResult {
  objective: number;
  constraints?: number[];
}

/** A built-in objective: same shape as a user module (space, direction, evaluate). */
export interface BenchmarkProblem {
  name: string;
  description: string;
  direction: 'minimize' | 'maximize';
  space: ParameterSpec[];
  constraintCount: number;
  /** Known optimum value (for reports). */
  optimum: number;
  evaluate(params: Record<string, unknown>): ObjectiveResult;
}

function floats(prefix: string, d: number, low: number, high: number): ParameterSpec[] {
  return Array.from({ length: d }, (_, k) => ({ name: `${prefix}${k}`, type: 'float' as const, low, high }));
}

function vector(params: Record<string, unknown>, prefix: string, d: number): number[] {
  return Array.from({ length: d }, (_, k) => Number(params[`${prefix}${k}`]));
}

/** Ackley with a = 20, b = 0.2, c = 2π; minimum 0 at the origin. */
export function ackley(x: readonly number[]): number {
  const d = x.length;
  let squares = 0;
  let cosines = 0;
  for (const v of x) {
    squares += v * v;
    cosines += Math.cos(2 * Math.PI * v);
  }
  return -20 * Math.exp(-0.2 * Math.sqrt(squares / d)) - Math.exp(cosines / d) + 20 + Math.E;
}

/** 10-D Ackley on [-5, 10]^10 with c1 = Σx <= 0 and c2 = ‖x‖ - 5 <= 0 (SCBO paper and BoTorch tutorial). */
export const ackley10Constrained: BenchmarkProblem = {
  name: 'ackley10c',
  description: '10-D Ackley on [-5, 10]^10, constraints sum(x) <= 0 and ||x|| <= 5',
  direction: 'minimize',
  space: floats('x', 10, -5, 10),
  constraintCount: 2,
  optimum: 0,
  evaluate(params) {
    const x = vector(params, 'x', 10);
    const sum = x.reduce((a, b) => a + b, 0);
    const norm = Math.sqrt(x.reduce((a, b) => a + b * b, 0));
    return { objective: ackley(x), constraints: [sum, norm - 5] };
  },
};

/** 20-D Ackley on [-5, 10]^20, unconstrained (TuRBO tutorial). */
export const ackley20: BenchmarkProblem = {
  name: 'ackley20',
  description: '20-D Ackley on [-5, 10]^20, unconstrained',
  direction: 'minimize',
  space: floats('x', 20, -5, 10),
  constraintCount: 0,
  optimum: 0,
  evaluate(params) {
    return { objective: ackley(vector(params, 'x', 20)), constraints: [] };
  },
};

/** Constrained Gramacy on [0, 1]^2: f = x1 + x2, optimum 0.5998 at (0.1951, 0.4047). */
export const gramacy: BenchmarkProblem = {
  name: 'gramacy',
  description: 'Constrained Gramacy on [0, 1]^2 (two constraints)',
  direction: 'minimize',
  space: floats('x', 2, 0, 1),
  constraintCount: 2,
  optimum: 0.5998,
  evaluate(params) {
    const [x1, x2] = vector(params, 'x', 2);
    const c1 = 1.5 - x1 - 2 * x2 - 0.5 * Math.sin(2 * Math.PI * (x1 * x1 - 2 * x2));
    const c2 = x1 * x1 + x2 * x2 - 1.5;
    return { objective: x1 + x2, constraints: [c1, c2] };
  },
};

const HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2];
const HARTMANN_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const HARTMANN_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

/** Hartmann-6; minimum -3.32237. */
export function hartmann6(x: readonly number[]): number {
  let f = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let k = 0; k < 6; k++) inner += HARTMANN_A[i][k] * (x[k] - HARTMANN_P[i][k]) ** 2;
    f -= HARTMANN_ALPHA[i] * Math.exp(-inner);
  }
  return f;
}

/** Hartmann-6 on [0, 1]^6 with ‖x‖ <= 1 (Letham et al. 2019). */
export const hartmann6Constrained: BenchmarkProblem = {
  name: 'hartmann6c',
  description: 'Hartmann-6 on [0, 1]^6 with ||x|| <= 1',
  direction: 'minimize',
  space: floats('x', 6, 0, 1),
  constraintCount: 1,
  optimum: -3.32237,
  evaluate(params) {
    const x = vector(params, 'x', 6);
    return { objective: hartmann6(x), constraints: [Math.sqrt(x.reduce((a, b) => a + b * b, 0)) - 1] };
  },
};

/** Built-in benchmark problems by name. */
export const benchmarkProblems: Record<string, BenchmarkProblem> = {
  ackley10c: ackley10Constrained,
  ackley20,
  gramacy,
  hartmann6c: hartmann6Constrained,
};
