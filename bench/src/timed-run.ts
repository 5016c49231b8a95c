// autocannon reports a run's duration at its next one-second tick, so a run that ends on `amount`
// (a fixed number of requests) is reported as lasting a whole number of seconds: 200 orders done in
// 1.1 s or in 1.9 s both read as 100 req/s. A run's rate is therefore computed here from the time of
// its last response, which is exact for runs that end on `amount` and on `duration` alike.
import autocannon, { type AutocannonOptions, type AutocannonResult } from 'autocannon';

export interface TimedResult {
  result: AutocannonResult;
  /** From the start of the run until its last response. */
  elapsedSeconds: number;
  /** 2xx responses per second of `elapsedSeconds`. */
  requestsPerSecond: number;
}

export async function timedRun(opts: AutocannonOptions): Promise<TimedResult> {
  const started = performance.now();
  let lastResponse = started;
  const instance = autocannon(opts);
  instance.on('response', () => {
    lastResponse = performance.now();
  });
  const result = await instance;
  const elapsedSeconds = Math.max(0.001, (lastResponse - started) / 1000);
  return { result, elapsedSeconds, requestsPerSecond: Math.round(result['2xx'] / elapsedSeconds) };
}
