/**
 * Reads the golden fixtures written by bench/stdp/make_fixtures.py (PyTorch reference, exact mode).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SpikeTrains } from '../../src/data/spikes.js';
import type { DiehlCookConfig } from '../../src/snn/models/diehl-cook.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'stdp');

interface F32Json {
  dtype: 'float32';
  shape: number[];
  b64: string;
}

/** One fixture: a network config, initial weights, samples and what the reference recorded. */
export interface StdpFixture {
  name: string;
  description: string;
  config: DiehlCookConfig & { seed: string };
  initialWeights: Float32Array;
  samples: { learning: boolean; trains: SpikeTrains }[];
  expected: { exc: { t: number[]; j: number[] }; inh: { t: number[]; j: number[] }; theta: Float32Array }[];
  weightsAfterFirst: Float32Array;
  weightsFinal: Float32Array;
}

function bytes(b64: string): Uint8Array {
  const buf = Buffer.from(b64, 'base64');
  // Copy into a fresh, aligned buffer.
  const out = new Uint8Array(buf.length);
  out.set(buf);
  return out;
}

function f32(x: F32Json): Float32Array {
  const b = bytes(x.b64);
  return new Float32Array(b.buffer, 0, b.length / 4);
}

/** Names of the committed fixtures. */
export function fixtureNames(): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Loads a fixture by name. */
export function loadFixture(name: string): StdpFixture {
  const raw = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
  return {
    name: raw.name,
    description: raw.description,
    config: raw.config,
    initialWeights: f32(raw.initialWeights),
    samples: raw.samples.map((s: { learning: boolean; trains: { T: number; nInputs: number; offsets: string; indices: string } }) => {
      const off = bytes(s.trains.offsets);
      const idx = bytes(s.trains.indices);
      return {
        learning: s.learning,
        trains: {
          T: s.trains.T,
          nInputs: s.trains.nInputs,
          offsets: new Uint32Array(off.buffer, 0, off.length / 4),
          indices: new Uint16Array(idx.buffer, 0, idx.length / 2),
        },
      };
    }),
    expected: raw.expected.map((e: { exc: { t: number[]; j: number[] }; inh: { t: number[]; j: number[] }; theta: F32Json }) => ({
      exc: e.exc,
      inh: e.inh,
      theta: f32(e.theta),
    })),
    weightsAfterFirst: f32(raw.weightsAfterFirst),
    weightsFinal: f32(raw.weightsFinal),
  };
}
