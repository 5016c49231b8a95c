/**
 * Preloaded with `NODE_OPTIONS=--require .../cpu-profile-preload.js` (Node refuses `--cpu-prof` in
 * NODE_OPTIONS): profiles the whole process through the inspector and writes
 * `$BENCH_CPU_PROFILE_DIR/CPU.bench.profile.<pid>.cpuprofile` when it exits.
 */
import { writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    // The in-process session answers synchronously, so this runs before the process is gone.
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(path.join(dir, `CPU.bench.profile.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
