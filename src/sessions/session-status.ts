export const SESSION_STATUSES = ['created', 'running', 'completed', 'failed', 'killed', 'deleted'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];
