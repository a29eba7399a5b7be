import type { Cluster } from 'ioredis';
import { eventsUserKey } from '../src/redis/keys.js';
import type { Subscriber } from './subscriber.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ClusterEventFindings {
  eventsDelivered: number;
  eventReconnects: number;
  /** subscribers that never came back with Last-Event-ID */
  neverReconnected: number;
  /** after the promotion: events the stream holds that a subscriber never received */
  missedAfterFailover: number;
  /** received twice, or out of order */
  repeatsOrDisorder: number;
  /** received before the promotion but gone from the stream since: written to the dead master, not yet replicated */
  lostInFailover: number;
  /** received but not in the stream, though written after the promotion */
  unknownAfterFailover: number;
  /** status changes acknowledged after the promotion not received exactly once */
  statusChangesNotDeliveredOnce: number;
  /** the same, acknowledged before it: reported, a failover may lose the last moments' events */
  statusChangesLostBeforeFailover: number;
  samples: string[];
}

/** Stream ids are `<ms>-<n>`: compared as numbers, part by part. */
function compare(a: string, b: string): number {
  const [am, an] = a.split('-').map(Number);
  const [bm, bn] = b.split('-').map(Number);
  return am - bm || an - bn;
}

/** Waits (up to `timeoutMs`) until every subscriber holds the last event of its user's stream. */
export async function caughtUpOnCluster(redis: Cluster, prefix: string, subscribers: Subscriber[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const lasts = await Promise.all(subscribers.map((s) => redis.xrevrange(eventsUserKey(prefix, s.user), '+', '-', 'COUNT', 1)));
    if (subscribers.every((s, i) => !lasts[i].length || s.received.some((event) => event.id === lasts[i][0][0]))) return true;
    await sleep(500);
  }
  return false;
}

/**
 * Each subscriber against its user's stream on the cluster after the failover. `promotedAt` is
 * when the replica took over: what was received before and is not in the stream any more was
 * lost with the master (counted, the README's "events of the last moments"); everything the
 * stream holds after the point each subscriber had reached then must have been received, once,
 * in order, and so must every status change acknowledged after the promotion.
 */
export async function verifyClusterEvents(
  redis: Cluster,
  prefix: string,
  subscribers: Subscriber[],
  resumePoints: Map<Subscriber, string | undefined>,
  promotedAt: number,
  acknowledged: Map<string, Array<{ sessionId: string; to: string; at: number }>>,
): Promise<ClusterEventFindings> {
  const findings: ClusterEventFindings = {
    eventsDelivered: 0,
    eventReconnects: 0,
    neverReconnected: 0,
    missedAfterFailover: 0,
    repeatsOrDisorder: 0,
    lostInFailover: 0,
    unknownAfterFailover: 0,
    statusChangesNotDeliveredOnce: 0,
    statusChangesLostBeforeFailover: 0,
    samples: [],
  };
  const sample = (line: string) => findings.samples.length < 10 && findings.samples.push(line);
  for (const subscriber of subscribers) {
    const stream = new Set((await redis.xrange(eventsUserKey(prefix, subscriber.user), '-', '+')).map(([id]) => id));
    const ids = subscriber.received.map((event) => event.id);
    findings.eventsDelivered += ids.length;
    findings.eventReconnects += subscriber.reconnects;
    if (subscriber.reconnects === 0) findings.neverReconnected++;
    const received = new Set(ids);
    if (received.size !== ids.length || ids.some((id, i) => i > 0 && compare(ids[i - 1], id) >= 0)) {
      findings.repeatsOrDisorder++;
      sample(`${subscriber.user}: events repeated or out of order`);
    }
    const resume = resumePoints.get(subscriber);
    const missed = [...stream].filter((id) => (resume === undefined || compare(id, resume) > 0) && !received.has(id));
    findings.missedAfterFailover += missed.length;
    if (missed.length) sample(`${subscriber.user}: ${missed.length} events after ${resume ?? 'the start'} not received`);
    for (const id of ids.filter((id) => !stream.has(id))) {
      if (Number(id.split('-')[0]) <= promotedAt) findings.lostInFailover++;
      else {
        findings.unknownAfterFailover++;
        sample(`${subscriber.user}: received ${id}, not in the stream`);
      }
    }
    for (const change of acknowledged.get(subscriber.user) ?? []) {
      const told = subscriber.received.filter(
        (event) => event.event === 'session.status' && event.data.sessionId === change.sessionId && event.data.to === change.to,
      ).length;
      if (told === 1) continue;
      if (change.at < promotedAt && told === 0) findings.statusChangesLostBeforeFailover++;
      else {
        findings.statusChangesNotDeliveredOnce++;
        sample(`${change.sessionId} -> ${change.to} received ${told} times`);
      }
    }
  }
  return findings;
}
