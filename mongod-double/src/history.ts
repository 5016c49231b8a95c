// How far back committed versions are kept: mongod keeps snapshot history for
// minSnapshotHistoryWindowInSeconds (300 s by default) so snapshot reads at an earlier
// atClusterTime still find their versions. Commit times are sampled per 100 ms bucket: the floor
// is conservative (it may keep a little more history, never less).
const BUCKET_MS = 100;

export class HistoryWindow {
  /** [bucket start wall time, logical clock before the bucket's first commit] */
  private readonly samples: Array<[number, number]> = [];

  constructor(public windowMs: number) {}

  /** Notes that a commit at logical time `clock` happens now. */
  noteCommit(clock: number, now = Date.now()): void {
    const last = this.samples[this.samples.length - 1];
    if (!last || now - last[0] >= BUCKET_MS) this.samples.push([now, clock - 1]);
    // Keep one sample older than the window: it is the floor.
    while (this.samples.length > 1 && this.samples[1][0] <= now - this.windowMs) this.samples.shift();
  }

  /** Logical time from which every snapshot must stay readable. */
  floor(currentClock: number, now = Date.now()): number {
    if (this.windowMs <= 0) return currentClock;
    // Before the window has passed once, every version is kept.
    let floor = 0;
    for (const [time, clock] of this.samples) {
      if (time > now - this.windowMs) break;
      floor = clock;
    }
    return floor;
  }
}
