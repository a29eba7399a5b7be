/*
 * The bounds of a session's progress, in one place: the contract's cost bounds, and what the
 * columns hold (total_cost numeric(18,6), round_number integer, phase varchar(64)). Validation,
 * the live-progress script and the PostgreSQL fallback all take them from here, and they sit well
 * inside the columns, so an accepted value can always be written.
 */
export const MAX_TOTAL_COST = 1e9;
export const MAX_COST_DELTA = 1e6;
/** total_cost keeps six decimals; a cost with more is refused rather than silently rounded. */
export const COST_DECIMALS = 6;
export const MAX_ROUND_NUMBER = 1_000_000;
export const MAX_PHASE_LENGTH = 64;

const MAX_INTEGER_COLUMN = 2 ** 31 - 1;
// numeric(18,6): twelve digits before the point.
const MAX_COST_COLUMN = 1e12 - 1e-6;

/**
 * Whether PostgreSQL can store these values. Live progress comes from Redis, where a value may
 * predate the bounds (or be written by hand): one that cannot be stored must not block the rest.
 */
export function fitsProgressColumns(progress: { phase: string | null; roundNumber: number; totalCost: number }): boolean {
  const { phase, roundNumber, totalCost } = progress;
  return (
    (phase === null || [...phase].length <= MAX_PHASE_LENGTH) &&
    Number.isInteger(roundNumber) &&
    roundNumber >= 0 &&
    roundNumber <= MAX_INTEGER_COLUMN &&
    Number.isFinite(totalCost) &&
    totalCost >= 0 &&
    totalCost <= MAX_COST_COLUMN
  );
}
