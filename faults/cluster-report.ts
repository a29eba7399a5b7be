import type { ClusterEventFindings } from './cluster-events.js';
import type { KillProber } from './kill-prober.js';
import type { Ledger } from './ledger.js';
import type { Instance } from './service-instance.js';
import type { Findings } from './verify.js';
import { integrityChecks } from './report.js';

interface ClusterOutcome {
  ledger: Ledger;
  findings: Findings;
  events: ClusterEventFindings;
  prober: KillProber;
  /** killed sessions not `killed` in PostgreSQL, or with messages appended after the kill */
  killsEnded: string[];
  instances: Instance[];
  failover: { victim: number; promoted: number; promotionMs: number; held: string[]; refusedBeforeKill: number };
}

/**
 * Prints what the cluster phase saw and the verdict; returns the number of violations. The last
 * line, `faults-cluster: N passed, M failed`, is what CI reads.
 */
export function reportCluster({ ledger, findings, events, prober, killsEnded, instances, failover }: ClusterOutcome): number {
  const kills = (when: string) => prober.kills.filter((kill) => kill.when === when);
  const notReached = (when: string) => kills(when).filter((kill) => !kill.reachedWork).length;
  const crashes = instances.flatMap((instance) => instance.crashes.map((crash) => ({ instance: instance.name, ...crash })));
  const figures = {
    killedMaster: failover.victim,
    itsSharedSlots: failover.held.join(', '),
    promotedReplica: failover.promoted,
    promotionMs: failover.promotionMs,
    refusedBeforeKill: failover.refusedBeforeKill,
    ...ledger.counts,
    acknowledgedSessions: ledger.sessions.size,
    acknowledgedMessages: ledger.messages.size,
    ...findings,
    lost: findings.lostSessions + findings.lostMessages,
    staleReads: ledger.staleReads.length,
    tailReads: ledger.tailReads,
    staleTails: ledger.staleTails.length,
    killsBefore: kills('before').length,
    killsDuring: kills('during').length,
    killsAfter: kills('after').length,
    killsNotReachingWork: prober.kills.filter((kill) => !kill.reachedWork).length,
    killedSessionsNotIntact: killsEnded.length,
    probesNotReached: prober.notReached,
    acknowledgedStatusChanges: [...ledger.statusChanges.values()].reduce((sum, changes) => sum + changes.length, 0),
    eventsDelivered: events.eventsDelivered,
    eventReconnects: events.eventReconnects,
    subscribersNeverReconnected: events.neverReconnected,
    eventsMissedAfterResume: events.missedAfterFailover,
    eventsRepeatedOrDisordered: events.repeatsOrDisorder,
    eventsLostInFailover: events.lostInFailover,
    statusChangesNotDeliveredOnce: events.statusChangesNotDeliveredOnce,
    statusChangesLostBeforePromotion: events.statusChangesLostBeforeFailover,
  };
  console.table(figures);
  console.log('answers by status (0 = no connection):', ledger.byStatus);
  console.log('4xx by route:', ledger.clientErrorsByRoute);
  if (ledger.serverErrorSamples.length) console.log('5xx samples:', ledger.serverErrorSamples);
  if (ledger.refusedSamples.length) console.log('refusals:', ledger.refusedSamples);
  if (events.samples.length) console.log('event findings:', events.samples);
  if (ledger.staleReads.length) console.log('stale reads:', ledger.staleReads.slice(0, 10));
  if (ledger.staleTails.length) console.log('stale history tails:', ledger.staleTails.slice(0, 10));
  if (killsEnded.length) console.log('killed sessions not intact:', killsEnded.slice(0, 10));
  const unreached = prober.kills.filter((kill) => !kill.reachedWork);
  if (unreached.length) console.log('kills whose job was still there 6 s on:', unreached.slice(0, 10));
  console.log('latency (ms) by phase; refused = 503 or no connection:');
  console.table({
    'sent before the SIGKILL': { ...ledger.percentiles('baseline'), refused: ledger.refusedByPhase.baseline },
    'sent from the SIGKILL on': { ...ledger.percentiles('faults'), refused: ledger.refusedByPhase.faults },
  });
  for (const crash of crashes)
    console.log(`crash of ${crash.instance} (${crash.signal ?? crash.code}): ${crash.reason}\n${crash.outputTail}`);

  const checks = {
    'no replica was promoted': failover.promoted === failover.victim,
    ...integrityChecks(figures),
    'a session was left running without a worker': figures.leftRunning > 0,
    'nothing was acknowledged after the failover': ledger.percentiles('faults').requests === 0 || figures.acknowledged === 0,
    'a client was refused (503 or no connection) before the SIGKILL': failover.refusedBeforeKill > 0,
    'no kill was probed before the SIGKILL': kills('before').length === 0,
    'no kill was probed after the promotion': kills('after').length === 0,
    // A kill sent while the master was down may miss a worker whose subscription was on it: reported above.
    'a kill sent before the SIGKILL or after the promotion did not reach its work (job still there 6 s on)':
      notReached('before') + notReached('after') > 0,
    'a killed session is not killed, or got messages after its kill': killsEnded.length > 0,
    'a subscriber never reconnected (its stream is dropped after the promotion)': events.neverReconnected > 0,
    'an event after the resume point was missed': events.missedAfterFailover > 0,
    'an event was received twice or out of order': events.repeatsOrDisorder > 0,
    'an event written after the promotion is not in the stream': events.unknownAfterFailover > 0,
    'a status change acknowledged after the promotion did not reach its subscriber exactly once': events.statusChangesNotDeliveredOnce > 0,
    'an instance crashed': crashes.length > 0,
  };
  const violations = Object.entries(checks).filter(([, violated]) => violated);
  for (const [violation] of violations) console.log(`VIOLATION: ${violation}`);
  console.log(`faults-cluster: ${Object.keys(checks).length - violations.length} passed, ${violations.length} failed`);
  return violations.length;
}
