/** What a job of any work queue carries (in-process or remote). */
export interface DeliberationJobData {
  sessionId: string;
  /** The handler the session was started with (absent in jobs queued before handlers had names). */
  handler?: string;
}
