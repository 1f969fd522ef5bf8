import { STREAK_DROP_WEEKS, STREAK_LEVELS, type StreakLevel } from "./schedule.ts";

/** A vehicle's streak after a week: consecutive active weeks (as they count for levels) and
 * consecutive inactive weeks since the last drop or activity. */
export interface StreakState {
  connectionStreak: number;
  disconnectionStreak: number;
}

export const INITIAL_STREAK: StreakState = { connectionStreak: 0, disconnectionStreak: 0 };

/** The level a connection streak has reached. */
export function streakLevelOf(connectionStreak: number): StreakLevel {
  if (connectionStreak >= STREAK_LEVELS[4].minWeeks) return 4;
  if (connectionStreak >= STREAK_LEVELS[3].minWeeks) return 3;
  if (connectionStreak >= STREAK_LEVELS[2].minWeeks) return 2;
  return 1;
}

/**
 * The streak after one more week (DIMO's rule): an active week adds one to the connection streak
 * and clears the inactive count; an inactive week keeps the connection streak, and every
 * STREAK_DROP_WEEKS consecutive inactive weeks drop it to the first week of the level below.
 */
export function nextStreak(previous: StreakState, active: boolean): StreakState {
  if (active) return { connectionStreak: previous.connectionStreak + 1, disconnectionStreak: 0 };
  const inactive = previous.disconnectionStreak + 1;
  if (inactive < STREAK_DROP_WEEKS)
    return { connectionStreak: previous.connectionStreak, disconnectionStreak: inactive };
  const level = streakLevelOf(previous.connectionStreak);
  const below = Math.max(1, level - 1) as StreakLevel;
  return { connectionStreak: STREAK_LEVELS[below].minWeeks, disconnectionStreak: 0 };
}

/** Streak points of an active week at `level`. */
export function streakPoints(level: StreakLevel): number {
  return STREAK_LEVELS[level].points;
}
