// The chunked sequence behind the ordered indexes behaves as one array would, through inserts and
// removals anywhere that split and empty its chunks.
import { ChunkedArray } from '../src/chunked-array';
import { seededRandom } from './helpers';

describe('ChunkedArray', () => {
  it('when 20,000 random inserts and removals are applied, then it holds what a plain array holds, in order', () => {
    const next = seededRandom(7);
    const chunked = new ChunkedArray<number>();
    const plain: number[] = [];
    for (let step = 0; step < 20_000; step++) {
      // Grow to a few thousand (several chunks), with removals throughout.
      if (plain.length > 0 && next() < 0.35) {
        const at = Math.floor(next() * plain.length);
        plain.splice(at, 1);
        chunked.removeAt(at);
      } else {
        const at = Math.floor(next() * (plain.length + 1));
        plain.splice(at, 0, step);
        chunked.insert(at, step);
      }
    }
    expect(chunked.length).toBe(plain.length);
    expect(plain.length).toBeGreaterThan(3 * 1024);
    expect([...chunked.range(0, chunked.length)]).toEqual(plain);
    for (let i = 0; i < plain.length; i += 97) expect(chunked.at(i)).toBe(plain[i]);
  });

  it('when a range is read forwards or backwards across chunks, then it gives exactly those positions', () => {
    const chunked = new ChunkedArray<number>();
    for (let i = 0; i < 5000; i++) chunked.insert(i, i);
    // Inserting at the front splits the first chunk repeatedly.
    for (let i = 0; i < 3000; i++) chunked.insert(0, -1 - i);
    const plain = [...chunked.range(0, chunked.length)];
    expect(plain).toHaveLength(8000);
    expect([...chunked.range(1000, 6500)]).toEqual(plain.slice(1000, 6500));
    expect([...chunked.range(1000, 6500, -1)]).toEqual(plain.slice(1000, 6500).reverse());
    expect([...chunked.range(5, 5)]).toEqual([]);
  });

  it('when every element is removed, then it is empty and takes inserts again', () => {
    const chunked = new ChunkedArray<string>();
    for (let i = 0; i < 3000; i++) chunked.insert(chunked.length, `v${i}`);
    while (chunked.length > 0) chunked.removeAt(Math.floor(chunked.length / 2));
    expect([...chunked.range(0, 0)]).toEqual([]);
    chunked.insert(0, 'again');
    expect(chunked.at(0)).toBe('again');
    expect(() => chunked.at(1)).toThrow(RangeError);
  });
});
