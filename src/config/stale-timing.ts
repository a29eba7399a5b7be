/**
 * Timings derived from RUNNING_STALE_AFTER_SECONDS (S) so that a lost worker's session is failed
 * within S: silence for 2/3 S plus a sweep every 1/4 S stays under S, while a live worker beats
 * every 1/6 S, four beats inside the silence bound.
 */
export function staleTiming(staleAfterSeconds: number) {
  return {
    heartbeatMs: Math.max(100, Math.floor((staleAfterSeconds * 1000) / 6)),
    silentSeconds: Math.round((staleAfterSeconds * 2000) / 3) / 1000,
    sweepMs: Math.max(250, Math.round((staleAfterSeconds * 1000) / 4)),
  };
}

export type StaleTiming = ReturnType<typeof staleTiming>;
