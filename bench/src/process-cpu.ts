import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux unless told otherwise). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time a process has used so far, in ms (Linux), or null if it is gone. */
function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) / TICKS_PER_SECOND) * 1000;
  } catch {
    return null;
  }
}

/** CPU used by each named process between `start()` and `stop()`, as a share of one core (1 = 100%). */
export class CpuMeter {
  private before = new Map<string, number>();
  private startedAt = 0;

  constructor(private readonly pids: Record<string, number>) {}

  start(): void {
    this.startedAt = Date.now();
    this.before = new Map();
    for (const [name, pid] of Object.entries(this.pids)) {
      const ms = processCpuMs(pid);
      if (ms !== null) this.before.set(name, ms);
    }
  }

  stop(): Record<string, number> {
    const elapsed = Math.max(1, Date.now() - this.startedAt);
    const shares: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      const now = processCpuMs(pid);
      const then = this.before.get(name);
      if (now !== null && then !== undefined) shares[name] = +((now - then) / elapsed).toFixed(2);
    }
    return shares;
  }
}
