// A sequence stored as a list of short arrays (chunks), so that inserting or removing at any position
// moves at most one chunk's elements and shifts the chunks' start offsets, instead of moving every
// element after it as one large array's splice does. An index over a million keys thus costs a few
// microseconds per write instead of a millisecond. Reads by position find the chunk by binary search.

/** Most elements a chunk holds before it is split in two. */
const MAX_CHUNK = 1024;

export class ChunkedArray<T> {
  private readonly chunks: T[][] = [];
  /** Position of each chunk's first element. */
  private readonly starts: number[] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** The element at `position` (0 <= position < length). */
  at(position: number): T {
    const c = this.chunkOf(position);
    return this.chunks[c][position - this.starts[c]];
  }

  /** Inserts `value` so that it ends up at `position` (0 <= position <= length). */
  insert(position: number, value: T): void {
    if (this.chunks.length === 0) {
      this.chunks.push([value]);
      this.starts.push(0);
      this.count = 1;
      return;
    }
    // The end of the sequence belongs to the last chunk; any other position to the chunk holding it.
    const c = position === this.count ? this.chunks.length - 1 : this.chunkOf(position);
    const chunk = this.chunks[c];
    chunk.splice(position - this.starts[c], 0, value);
    for (let i = c + 1; i < this.starts.length; i++) this.starts[i] += 1;
    this.count += 1;
    if (chunk.length > MAX_CHUNK) {
      const tail = chunk.splice(chunk.length >>> 1);
      this.chunks.splice(c + 1, 0, tail);
      this.starts.splice(c + 1, 0, this.starts[c] + chunk.length);
    }
  }

  /** Removes the element at `position`. */
  removeAt(position: number): void {
    const c = this.chunkOf(position);
    const chunk = this.chunks[c];
    chunk.splice(position - this.starts[c], 1);
    for (let i = c + 1; i < this.starts.length; i++) this.starts[i] -= 1;
    this.count -= 1;
    if (chunk.length === 0) {
      this.chunks.splice(c, 1);
      this.starts.splice(c, 1);
    }
  }

  /** Elements at positions start, start + 1, ... up to end (excluded), or from end - 1 down to start. */
  *range(start: number, end: number, direction: 1 | -1 = 1): Generator<T> {
    if (end <= start) return;
    if (direction === 1) {
      let c = this.chunkOf(start);
      let offset = start - this.starts[c];
      for (let left = end - start; left > 0;) {
        const chunk = this.chunks[c];
        for (; offset < chunk.length && left > 0; offset++, left--) yield chunk[offset];
        c += 1;
        offset = 0;
      }
      return;
    }
    let c = this.chunkOf(end - 1);
    let offset = end - 1 - this.starts[c];
    for (let left = end - start; left > 0;) {
      const chunk = this.chunks[c];
      for (; offset >= 0 && left > 0; offset--, left--) yield chunk[offset];
      c -= 1;
      if (c >= 0) offset = this.chunks[c].length - 1;
    }
  }

  /** The chunk holding `position` (0 <= position < length): the last whose start is at or before it. */
  private chunkOf(position: number): number {
    if (position < 0 || position >= this.count) throw new RangeError(`position ${position} outside 0..${this.count - 1}`);
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid] <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
