import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/*
 * The Python client's suite (clients/python/tests, pytest against the real service) as part of
 * `npm test`: its tests are collected when this file loads, the whole suite runs once before them
 * (it starts the built service with a database and Redis index of its own), and each pytest test
 * is reported here as a Jest test, so the run's counts include them. `npm run test:python` runs it alone.
 */
const root = resolve(import.meta.dirname, '../..');
const client = join(root, 'clients/python');
const python = join(root, '.venv/bin/python');
const SUITE_TIMEOUT_MS = 20 * 60_000;

interface Report {
  $report_type: string;
  nodeid?: string;
  when?: string;
  outcome?: string;
  longrepr?: unknown;
}

/** The suite's test ids; a failure to install or collect is reported by the first test below. */
function collect(): { ids: string[]; error?: unknown } {
  try {
    // The pinned environment, installed when missing or stale (scripts/python-venv.sh; quick otherwise).
    execFileSync(join(root, 'scripts/python-venv.sh'), { stdio: 'inherit' });
    const collected = execFileSync(python, ['-m', 'pytest', '--collect-only', '-q'], { cwd: client, encoding: 'utf8' });
    return { ids: collected.split('\n').filter((line) => line.includes('::')) };
  } catch (error) {
    return { ids: [], error };
  }
}
const { ids, error: collectError } = collect();

function runSuite(reportLog: string): Promise<number | null> {
  return new Promise((done, fail) => {
    const pytest = spawn(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--report-log=${reportLog}`], {
      cwd: client,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    pytest.once('error', fail).once('close', done);
  });
}

/** A test's outcome from its setup, call and teardown reports: the first that did not pass, or passed. */
function outcomes(reportLog: string): Map<string, { outcome: string; detail: string }> {
  const byTest = new Map<string, { outcome: string; detail: string }>();
  for (const line of readFileSync(reportLog, 'utf8').split('\n')) {
    if (!line) continue;
    const report = JSON.parse(line) as Report;
    if (report.$report_type !== 'TestReport' || !report.nodeid) continue;
    const known = byTest.get(report.nodeid);
    if (known && known.outcome !== 'passed') continue;
    if (!known || report.outcome !== 'passed')
      byTest.set(report.nodeid, { outcome: report.outcome ?? '?', detail: JSON.stringify(report.longrepr ?? null) });
  }
  return byTest;
}

describe('the Python client (pytest)', () => {
  let results = new Map<string, { outcome: string; detail: string }>();
  let exitCode: number | null = null;

  beforeAll(async () => {
    const reportLog = join(mkdtempSync(join(tmpdir(), 'pytest-')), 'report.jsonl');
    exitCode = await runSuite(reportLog);
    results = outcomes(reportLog);
  }, SUITE_TIMEOUT_MS);

  it('collects the suite', () => {
    expect(collectError).toBeUndefined();
    expect(ids.length).toBeGreaterThan(0);
  });

  it.each(ids)('%s', (id) => {
    const result = results.get(id);
    if (!result) throw new Error(`pytest (exit code ${exitCode}) reported nothing for ${id}`);
    if (result.outcome !== 'passed') throw new Error(`${result.outcome}: ${result.detail}`);
  });
});
