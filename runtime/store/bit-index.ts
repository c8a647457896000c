/**
 * An in-memory index of sign-quantized vectors (one bit per dimension, the bytes
 * sqlite-vec's `vec_quantize_binary` produces) for the coarse Hamming pass of nearest-neighbour
 * search (runtime/store/vectors.ts).
 *
 * Why not sqlite-vec's own `vec0 … MATCH … AND k = ?`: its brute-force KNN selects the top k of
 * each chunk with a selection whose cost grows with k × rows, so the k = 800 candidates a
 * 200-item hybrid window needs cost ~110 ms over 100 000 vectors (measured on this 2-core
 * machine), where this scan (XOR + SWAR popcount over 32-bit words, then a counting select over
 * the at most D+1 distinct distances) takes ~4 ms. vec0 stays the durable copy; this is its
 * cache, loaded once per process and kept current by VectorStore's writes.
 *
 * Memory: D/8 bytes + ~40 bytes of bookkeeping per vector (100 000 × 768-d ≈ 14 MB).
 */
export class BitIndex {
  /** Words (32 bits) per vector. */
  readonly words: number;
  private bits: Uint32Array;
  private ids: Float64Array;
  private n = 0;
  private readonly slot = new Map<number, number>();

  /** @param bitDim bits per vector, a multiple of 8 (sqlite-vec's `bit[N]`) */
  constructor(readonly bitDim: number) {
    this.words = Math.ceil(bitDim / 32);
    this.bits = new Uint32Array(this.words * 1024);
    this.ids = new Float64Array(1024);
  }

  get size(): number {
    return this.n;
  }

  /** Adds or replaces the vector of `id` (`bin`: bitDim/8 bytes, as vec0 stores it). */
  set(id: number, bin: Uint8Array): void {
    let at = this.slot.get(id);
    if (at === undefined) {
      if (this.n === this.ids.length) this.grow();
      at = this.n++;
      this.slot.set(id, at);
      this.ids[at] = id;
    }
    const row = this.bits.subarray(at * this.words, (at + 1) * this.words);
    row.fill(0);
    new Uint8Array(row.buffer, row.byteOffset, row.byteLength).set(
      bin.subarray(0, Math.min(bin.length, this.words * 4)),
    );
  }

  /** Removes `id` (the last slot moves into its place). */
  delete(id: number): void {
    const at = this.slot.get(id);
    if (at === undefined) return;
    const last = --this.n;
    this.slot.delete(id);
    if (at !== last) {
      const lastId = this.ids[last]!;
      this.ids[at] = lastId;
      this.slot.set(lastId, at);
      this.bits.copyWithin(at * this.words, last * this.words, (last + 1) * this.words);
    }
  }

  /**
   * The ids of the `k` vectors nearest to `query` by Hamming distance, in no particular order
   * (the caller re-scores them). Ties at the cut-off distance are broken towards higher ids.
   * @param query bitDim/8 bytes, quantized like the stored vectors
   */
  nearest(query: Uint8Array, k: number): number[] {
    if (k >= this.n) return Array.from(this.ids.subarray(0, this.n));
    const W = this.words;
    const q = new Uint32Array(W);
    new Uint8Array(q.buffer).set(query.subarray(0, W * 4));
    const n = this.n;
    const bits = this.bits;
    const dist = new Uint16Array(n);
    const hist = new Uint32Array(W * 32 + 1);
    for (let i = 0, o = 0; i < n; i++, o += W) {
      let s = 0;
      for (let w = 0; w < W; w++) {
        // SWAR popcount (Hacker's Delight, 2nd ed., §5-1).
        let x = bits[o + w]! ^ q[w]!;
        x -= (x >>> 1) & 0x55555555;
        x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
        s += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
      }
      dist[i] = s;
      hist[s]!++;
    }
    let cut = 0;
    let below = 0;
    for (; below + hist[cut]! < k; cut++) below += hist[cut]!;
    const out: number[] = [];
    const atCut: number[] = [];
    for (let i = 0; i < n; i++) {
      if (dist[i]! < cut) out.push(this.ids[i]!);
      else if (dist[i] === cut) atCut.push(this.ids[i]!);
    }
    atCut.sort((a, b) => b - a);
    for (let i = 0; out.length < k; i++) out.push(atCut[i]!);
    return out;
  }

  private grow(): void {
    const cap = this.ids.length * 2;
    const ids = new Float64Array(cap);
    ids.set(this.ids);
    const bits = new Uint32Array(cap * this.words);
    bits.set(this.bits);
    this.ids = ids;
    this.bits = bits;
  }
}
