/**
 * The real user of the signin benchmark, in a worker thread of its own so that the load generator's
 * event loop (hundreds of connections) does not delay its timing: on a job, signs in one request at a
 * time from `from` to `until` (epoch ms) and posts the latencies back.
 */
import { parentPort } from 'node:worker_threads';

export interface ProberJob {
  url: string;
  ip: string;
  body: { email: string; password: string };
  /** A `Cookie` header to send (a known device's cookie), or none. */
  cookie?: string;
  from: number;
  until: number;
  samples: number;
}

export interface ProberResult {
  times: number[];
  /** Signins that were not 200, by status. */
  failedByStatus: Record<string, number>;
}

async function probe(job: ProberJob): Promise<ProberResult> {
  const times: number[] = [];
  const failedByStatus: Record<string, number> = {};
  const pause = Math.max(100, (job.until - job.from) / job.samples);
  // Open the connection before the flood starts (as a browser that has loaded the page has), so the
  // figures time signins, not the set-up of this process's HTTP client and connection under load.
  await (await fetch(new URL('/healthz', job.url))).arrayBuffer();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, job.from - Date.now())));
  while (Date.now() < job.until && times.length < job.samples) {
    const started = performance.now();
    const res = await fetch(job.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': job.ip, ...(job.cookie ? { cookie: job.cookie } : {}) },
      body: JSON.stringify(job.body),
    });
    await res.arrayBuffer();
    times.push(performance.now() - started);
    if (res.status !== 200) failedByStatus[res.status] = (failedByStatus[res.status] ?? 0) + 1;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  return { times, failedByStatus };
}

parentPort?.on('message', (job: ProberJob) => {
  void probe(job).then((result) => parentPort?.postMessage(result));
});
parentPort?.postMessage('ready');
