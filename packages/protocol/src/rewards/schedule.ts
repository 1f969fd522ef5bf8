/**
 * DIP-2's numbers, exactly as DimoRewards computes them (a test compares both), so that anyone
 * can recompute a week's allocations off chain.
 */

/** Seconds in a rewards week. */
export const WEEK_SECONDS = 604_800;
/** Issuance of every week of the first year (wei of DIMO). */
export const INITIAL_WEEKLY_ISSUANCE = 1_105_000n * 10n ** 18n;
export const WEEKS_PER_YEAR = 52;
/** Each year's weekly issuance is this many percent of the previous year's. */
export const RETAINED_PERCENT = 85n;

/** The cap of week `week` (0 = the first week after genesis), rounding down once per year. */
export function weeklyIssuance(week: number | bigint): bigint {
  const w = BigInt(week);
  if (w < 0n) throw new RangeError(`week ${w} is negative`);
  let amount = INITIAL_WEEKLY_ISSUANCE;
  const years = w / BigInt(WEEKS_PER_YEAR);
  for (let y = 0n; y < years && amount !== 0n; y++) amount = (amount * RETAINED_PERCENT) / 100n;
  return amount;
}

export type StreakLevel = 1 | 2 | 3 | 4;

/** Level n starts at `minWeeks` consecutive active weeks and earns `points` per active week. */
export const STREAK_LEVELS: Readonly<Record<StreakLevel, { minWeeks: number; points: number }>> = {
  1: { minWeeks: 0, points: 0 },
  2: { minWeeks: 4, points: 1000 },
  3: { minWeeks: 21, points: 2000 },
  4: { minWeeks: 36, points: 3000 },
};

/** Every this many consecutive inactive weeks drops a vehicle one streak level. */
export const STREAK_DROP_WEEKS = 3;

/** DIP-2's connection classes as deployed (points are governance parameters on chain). */
export const CONNECTION_CLASSES = {
  lteAftermarket: 1,
  lowerTierAftermarket: 2,
  software: 3,
} as const;

export const DEFAULT_CONNECTION_POINTS: Readonly<Record<number, number>> = { 1: 6000, 2: 3000, 3: 6000 };
