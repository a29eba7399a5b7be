import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { turnRow } from './agent-turn.js';
import type { Result } from './bench-load.js';

/** What each row is compared with, besides the ceiling: [row name, cache] of the reference and a label. */
const COMPARED: Record<string, { with: [string, Result['cache']]; label: string }> = {
  'pgbench append: one statement': { with: ['pgbench append: one statement, parsed each time', '-'], label: 'of parsed each time' },
  'pgbench append: one statement, parsed each time': {
    with: ['pgbench append: four round trips, parsed each time', '-'],
    label: 'of 4 round trips',
  },
  'pgbench append: one statement, synchronous_commit off': { with: ['pgbench append: one statement', '-'], label: 'of one statement' },
  'pgbench append: one statement, commit_delay 200 us': { with: ['pgbench append: one statement', '-'], label: 'of one statement' },
  "agent's turn (turns/s)": { with: ["agent's turn, Redis-only peer (turns/s)", '-'], label: 'of the peer' },
  "agent's turn, groups off (turns/s)": { with: ["agent's turn, Redis-only peer (turns/s)", '-'], label: 'of the peer' },
  // The clients beside the same two requests in plain HTTP with the key their writes carry.
  [turnRow('AgentsSession')]: { with: [turnRow('HTTP with Idempotency-Key'), 'on'], label: 'of plain HTTP' },
  [turnRow('Python SessionStoreSession')]: { with: [turnRow('HTTP with Idempotency-Key'), 'on'], label: 'of plain HTTP' },
};

export interface Run {
  loadAtStart: number[];
  seconds: number;
  connections: number;
  results: Result[];
  /** The form of pgbench that runs the SQL the service runs for an append today (prepared, as the service). */
  appendForm: string;
}

export function report(run: Run): void {
  const { results } = run;
  const ceiling = results[0].rps;
  const find = (name: string, cache: Result['cache']) => results.find((r) => r.name === name && r.cache === cache);
  const mean = (prefix: string) => {
    const runs = results.filter((r) => r.name.startsWith(prefix));
    return Math.round(runs.reduce((sum, r) => sum + r.rps, 0) / runs.length);
  };
  // An append is compared with pgbench running the SQL the service runs.
  const compare: typeof COMPARED = {
    ...COMPARED,
    'POST /sessions/:id/messages': { with: [`pgbench append: ${run.appendForm}`, '-'], label: `of pgbench (${run.appendForm})` },
    'POST /sessions/:id/messages, groups off': {
      with: [`pgbench append: ${run.appendForm}`, '-'],
      label: `of pgbench (${run.appendForm})`,
    },
  };
  const rows = results.map((r) => {
    const other = r.cache === 'on' ? find(r.name, 'off') : undefined;
    const compared = compare[r.name.replace(/ #\d+$/, '')];
    const reference = compared && find(...compared.with);
    return {
      scenario: r.name,
      cache: r.cache,
      'req/s': r.rps,
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      errors: r.errors,
      'of ceiling': `${Math.round((100 * r.rps) / ceiling)} %`,
      'on/off': other ? `${(r.rps / other.rps).toFixed(2)}x` : '',
      compared: reference ? `${Math.round((100 * r.rps) / reference.rps)} % ${compared.label}` : '',
    };
  });
  const limiter = { offRps: mean('GET /sessions/:id, limiter off'), onRps: mean('GET /sessions/:id, limiter on') };
  const limiterRatio = limiter.onRps / limiter.offRps;
  const turn = { service: mean("agent's turn (turns/s)"), peer: mean("agent's turn, Redis-only peer") };
  console.table(rows);
  console.log(`rate limiter: cached GET ${limiter.offRps} req/s off, ${limiter.onRps} req/s on (high): ratio ${limiterRatio.toFixed(3)}`);
  console.log(`agent's turn: ${turn.service} turns/s, peer ${turn.peer} (means of 2): ratio ${(turn.service / turn.peer).toFixed(3)}`);

  const rps = (name: string, cache: Result['cache'] = 'on') => find(name, cache)?.rps ?? NaN;
  const append = rps('POST /sessions/:id/messages') / rps(`pgbench append: ${run.appendForm}`, '-');
  const firstPage = find('GET /sessions (first page)', 'on')!;
  const ratios = {
    append,
    recentHistoryOfCeiling: rps('GET /sessions/:id/messages?limit=20') / ceiling,
    recentHistoryOnOff: rps('GET /sessions/:id/messages?limit=20') / rps('GET /sessions/:id/messages?limit=20', 'off'),
    turn: turn.service / turn.peer,
    firstPageOfCeiling: firstPage.rps / ceiling,
  };
  const targets = {
    'cached GET >= 50 % of ceiling': rps('GET /sessions/:id') >= 0.5 * ceiling,
    'cache on >= 2x cache off for GET /sessions/:id': rps('GET /sessions/:id') >= 2 * rps('GET /sessions/:id', 'off'),
    'page 500 p99 <= 1.5x first page p99': find('GET /sessions (page 500)', 'on')!.p99 <= 1.5 * Math.max(1, firstPage.p99),
    'no errors': results.every((r) => r.errors === 0),
    'rate limiter costs <= 10 % of cached GET req/s': limiterRatio >= 0.9,
    [`1. POST .../messages >= 50 % of pgbench (${run.appendForm})`]: ratios.append >= 0.5,
    '2. GET .../messages?limit=20 >= 40 % of ceiling': ratios.recentHistoryOfCeiling >= 0.4,
    '2. GET .../messages?limit=20 cache on >= 5x off': ratios.recentHistoryOnOff >= 5,
    "3. agent's turn >= 50 % of the Redis-only peer": ratios.turn >= 0.5,
    '4. GET /sessions first page >= 10 % of ceiling (2x the 5 % of issue 11)': ratios.firstPageOfCeiling >= 0.1,
  };
  for (const [target, met] of Object.entries(targets)) console.log(`${met ? 'met    ' : 'MISSED '} ${target}`);
  // BENCH_LABEL names a run kept beside others of the same day (e.g. a step's before and after).
  const name = [new Date().toISOString().slice(0, 10), process.env.BENCH_LABEL].filter(Boolean).join('-');
  const file = new URL(`../../bench/results/${name}.json`, import.meta.url);
  mkdirSync(new URL('.', file), { recursive: true });
  const machine = {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
  const loadAverage = { atStart: run.loadAtStart, atEnd: os.loadavg() };
  const written = { date: new Date().toISOString(), machine, loadAverage, seconds: run.seconds, connections: run.connections };
  const limiterOut = { ...limiter, ratio: limiterRatio };
  writeFileSync(file, JSON.stringify({ ...written, results: rows, limiter: limiterOut, turn, ratios, targets }, null, 2) + '\n');
  console.log(`written to bench/results/${name}.json`);
}
