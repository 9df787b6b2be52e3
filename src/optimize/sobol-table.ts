/**
 * Unpacks the Joe–Kuo primitive polynomials and initial direction numbers (sobol-directions.ts) into 32-bit
 * Sobol direction numbers. The packed format is written by scripts/gen-sobol-directions.ts:
 * a little-endian bit stream (base64) holding, for each dimension from the second on,
 *   s (5 bits), a (s − 1 bits), then for i = 1..s: (m_i − 1)/2 (i − 1 bits; every m_i is odd and below 2^i).
 */
/** Bits per coordinate: points are multiples of 2^-32. */
export const SOBOL_BITS = 32;

/** One dimension's Joe–Kuo entry: degree s, polynomial coefficients a, initial numbers m_1..m_s. */
export interface JoeKuoEntry {
  s: number;
  a: number;
  m: number[];
}

/** Decodes the packed table into entries for dimensions 2..(count + 1). */
export function unpackJoeKuo(data: string, count: number): JoeKuoEntry[] {
  const bytes = Buffer.from(data, 'base64');
  let bit = 0;
  const read = (width: number): number => {
    let v = 0;
    for (let i = 0; i < width; i++, bit++) v |= ((bytes[bit >> 3] >> (bit & 7)) & 1) << i;
    return v >>> 0;
  };
  const entries: JoeKuoEntry[] = [];
  for (let e = 0; e < count; e++) {
    const s = read(5);
    const a = read(s - 1);
    const m: number[] = [];
    for (let i = 1; i <= s; i++) m.push(2 * read(i - 1) + 1);
    entries.push({ s, a, m });
  }
  if (bit > bytes.length * 8) throw new Error('Sobol direction table is truncated');
  return entries;
}

/** Direction numbers v_{j,k} · 2^32 of one dimension from its Joe–Kuo entry (null: the first dimension). */
export function directionsOf(entry: JoeKuoEntry | null, out: Uint32Array, offset: number): void {
  if (entry === null) {
    for (let k = 0; k < SOBOL_BITS; k++) out[offset + k] = 2 ** (SOBOL_BITS - 1 - k); // van der Corput
    return;
  }
  const { s, a, m } = entry;
  for (let k = 0; k < Math.min(s, SOBOL_BITS); k++) out[offset + k] = m[k] * 2 ** (SOBOL_BITS - 1 - k);
  // v_k = v_{k−s} ⊕ (v_{k−s} >> s) ⊕ ⊕_{i=1}^{s−1} a_i v_{k−i}, with a_i the bits of a, most significant first.
  for (let k = s; k < SOBOL_BITS; k++) {
    let v = out[offset + k - s] ^ (out[offset + k - s] >>> s);
    for (let i = 1; i < s; i++) if ((a >>> (s - 1 - i)) & 1) v ^= out[offset + k - i];
    out[offset + k] = v >>> 0;
  }
}
