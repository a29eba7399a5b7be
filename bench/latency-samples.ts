/** The samples get-load.worker.ts records (start, latency, ok: three numbers each), read back by the benches. */

export function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;
}

/** The requests that started in [from, to): how many, how many failed, p50, p99 and max latency. */
export function summarize(samples: Float64Array, from: number, to: number) {
  const latencies: number[] = [];
  let errors = 0;
  for (let i = 0; i < samples.length; i += 3) {
    if (samples[i] < from || samples[i] >= to) continue;
    latencies.push(samples[i + 1]);
    if (samples[i + 2] !== 1) errors++;
  }
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, errors, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN };
}
