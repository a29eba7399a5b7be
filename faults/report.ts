import type { HeavyHostile } from './heavy-hostile.js';
import type { HostileClient } from './hostile.js';
import type { Ledger } from './ledger.js';
import type { Instance } from './service-instance.js';
import type { EventFindings } from './subscriber.js';
import type { Findings } from './verify.js';

interface RunOutcome {
  ledger: Ledger;
  findings: Findings;
  events: EventFindings;
  /** null when the run left the hostile client out */
  hostile: HostileClient | null;
  heavy: HeavyHostile | null;
  instances: Instance[];
  shutdownMs: number;
  /** The remote HTTP workers' figures and their checks (see remote-workers.ts). */
  remote: Record<string, unknown>;
  remoteChecks: Record<string, boolean>;
}

/**
 * Prints what the run saw and the verdict; returns the number of violations. The last line,
 * `faults: N passed, M failed`, is what CI reads.
 */
export function report({ ledger, findings, events, hostile, heavy, instances, shutdownMs, remote, remoteChecks }: RunOutcome): number {
  const shutdownExit = instances[0].lastExit?.signal ?? instances[0].lastExit?.code ?? null;
  const figures = {
    ...ledger.counts,
    acknowledgedSessions: ledger.sessions.size,
    acknowledgedMessages: ledger.messages.size,
    sessionsStarted: ledger.started.size,
    ...findings,
    lost: findings.lostSessions + findings.lostMessages,
    staleReads: ledger.staleReads.length,
    tailReads: ledger.tailReads,
    staleTails: ledger.staleTails.length,
    outageSessionReadsFromCache: ledger.outageReads.sessions,
    outageTailReadsFromCache: ledger.outageReads.tails,
    outageStaleReadsFromCache: ledger.outageReads.stale,
    shutdownMs,
    shutdownExit,
    acknowledgedStatusChanges: [...ledger.statusChanges.values()].reduce((sum, changes) => sum + changes.length, 0),
    eventsDelivered: events.eventsDelivered,
    eventReconnects: events.eventReconnects,
    statusChangesNotDeliveredOnce: events.statusChangesNotDeliveredOnce,
    streamsWithGapsOrRepeats: events.streamsWithGapsOrRepeats,
  };
  const crashes = instances.flatMap((instance) => instance.crashes.map((crash) => ({ instance: instance.name, ...crash })));
  console.table(figures);
  console.log('answers by status (0 = no connection):', ledger.byStatus);
  console.log('4xx by route:', ledger.clientErrorsByRoute);
  if (ledger.serverErrorSamples.length) console.log('5xx samples:', ledger.serverErrorSamples);
  if (events.samples.length) console.log('event findings:', events.samples);
  if (ledger.staleReads.length) console.log('stale reads:', ledger.staleReads.slice(0, 10));
  if (ledger.staleTails.length) console.log('stale history tails:', ledger.staleTails.slice(0, 10));
  console.log(
    `PostgreSQL outage: ${ledger.outageReads.sessions} session reads and ${ledger.outageReads.tails} history-tail reads ` +
      `answered from the cache (X-Served-From: cache), ${ledger.outageReads.stale} of them stale`,
  );
  console.log("other clients' latency (ms) by phase; refused = 503 or no connection:");
  console.table(
    Object.fromEntries(
      (['baseline', 'hostile', 'heavy', 'faults'] as const).map((phase) => [
        (phase === 'hostile' && !hostile) || (phase === 'heavy' && !heavy) ? `${phase} (left out)` : phase,
        { ...ledger.percentiles(phase), refused: ledger.refusedByPhase[phase] },
      ]),
    ),
  );
  if (hostile) {
    console.log('hostile client, answers by attack and status:');
    console.table(hostile.tally);
    console.log(
      `hostile: ${hostile.seededMessages} messages of ~1 MiB seeded; largest page read ${(hostile.largestReadBytes / 2 ** 20).toFixed(1)} MiB; ` +
        `junk body answered in p50 ${hostile.junkPercentiles().p50} ms, max ${hostile.junkPercentiles().max} ms; ` +
        `most costDelta 1e9 accepted on one session ${hostile.mostDeltasOnOneSession}`,
    );
  }
  if (heavy) {
    console.log('heavy client, answers by attack and status:');
    console.table(heavy.tally);
    console.log(`heavy: the largest answer to an append was ${heavy.largestAnswerRatio.toFixed(2)}× its request`);
  }
  console.log('remote workers:', remote);
  for (const crash of crashes) {
    console.log(
      `crash of ${crash.instance} at ${crash.at.toISOString()} (${crash.signal ?? crash.code}): ${crash.reason}\n${crash.outputTail}`,
    );
  }

  const checks = {
    ...integrityChecks(figures),
    'no history tail was checked': figures.tailReads === 0,
    // Issue 24: while PostgreSQL is away the cache answers what it holds exactly, and nothing older.
    'no read was answered from the cache while PostgreSQL was stopped':
      figures.outageSessionReadsFromCache + figures.outageTailReadsFromCache === 0,
    'a read answered from the cache while PostgreSQL was stopped was stale': figures.outageStaleReadsFromCache > 0,
    'a session was left running without a worker': figures.leftRunning > 0,
    // Nest re-raises the signal once closed, so a clean shutdown ends by SIGTERM (or exit code 0).
    'SIGTERM shutdown took over 10 s or failed': shutdownMs > 10000 || !['SIGTERM', 0].includes(shutdownExit as never),
    'nothing was acknowledged': figures.acknowledged === 0,
    'an acknowledged status change did not reach its SSE subscriber exactly once': figures.statusChangesNotDeliveredOnce > 0,
    "an SSE subscriber's events differ from its stream (a gap or repeat after a reconnection)": figures.streamsWithGapsOrRepeats > 0,
    'no SSE subscriber reconnected (the faults did not reach the streams)': figures.eventReconnects === 0,
    'an instance crashed': crashes.length > 0,
    // Nothing but the hostile client disturbs these two phases: any refusal there is its doing.
    'another client was refused (503 or no connection) with no fault injected':
      ledger.refusedByPhase.baseline + ledger.refusedByPhase.hostile + ledger.refusedByPhase.heavy > 0,
    ...(hostile && {
      'the hostile client got a 5xx other than 503': hostile.serverErrors > 0,
      // The contract's bounds, which its answers show directly: a delta is at most 1e6 (else 422),
      // and a page stops once it holds 8 MiB (here: plus one ~1 MiB message and the JSON around).
      'a costDelta of 1e9 was accepted': hostile.acceptedHugeDeltas > 0,
      'a page of messages held over 10 MiB': hostile.largestReadBytes > 10 * 2 ** 20,
      "the hostile client's poisoned session was left running": findings.hostileLeftRunning > 0,
    }),
    ...(heavy && {
      'the heavy client got a 5xx other than 503': heavy.serverErrors > 0,
      // The contract: a request under every limit never holds up another user's requests. Held up
      // means both twice the baseline's p99 and 100 ms more: a baseline p99 of 66 ms doubles within
      // the scheduling noise of two shared cores.
      "other clients' p99 with the heavy client passed 2× the baseline's and 100 ms more": heldUp(
        ledger.percentiles('heavy').p99,
        ledger.percentiles('baseline').p99,
      ),
      // Each stored item is answered with its id, session id, seq and time: about 150 bytes for the
      // smallest legal item of 24, so 10,000 of them (the cap) answer 7.4× their request, at most ~1.75 MiB.
      'an append answered over 8× its request': heavy.largestAnswerRatio > 8,
    }),
    ...remoteChecks,
  };
  const violations = Object.entries(checks).filter(([, violated]) => violated);
  for (const [violation] of violations) console.log(`VIOLATION: ${violation}`);
  console.log(`faults: ${Object.keys(checks).length - violations.length} passed, ${violations.length} failed`);
  return violations.length;
}

/** The figures every faults run is held to, whatever it broke. */
export interface IntegrityFigures {
  serverErrors: number;
  refused503WithoutRetryAfter: number;
  lost: number;
  duplicateMessages: number;
  misattributedMessages: number;
  halfWrittenBatches: number;
  sessionsWithSeqGaps: number;
  staleReads: number;
  staleTails: number;
}

/** Nothing acknowledged lost, doubled, half-written or stale, no 500, every 503 with Retry-After: the checks of both runs. */
export function integrityChecks(figures: IntegrityFigures): Record<string, boolean> {
  return {
    'a 500 was answered': figures.serverErrors > 0,
    'a 503 came without Retry-After': figures.refused503WithoutRetryAfter > 0,
    'an acknowledged write is missing': figures.lost > 0,
    'a message is stored twice': figures.duplicateMessages > 0,
    // Appends share statements (group commit): each answer must name its own request's messages.
    "an append's answer named messages not its own": figures.misattributedMessages > 0,
    'a refused batch is half-written': figures.halfWrittenBatches > 0,
    "a session's seqs are not 1..n": figures.sessionsWithSeqGaps > 0,
    'a read was stale': figures.staleReads > 0,
    // The history's cached tail is never older than an acknowledged append, Redis outage or not.
    'a history tail was stale': figures.staleTails > 0,
  };
}

/** A phase's p99 against the baseline's: both twice as high and 100 ms higher. */
function heldUp(p99: number, baselineP99: number): boolean {
  return p99 > 2 * baselineP99 && p99 - baselineP99 > 100;
}
