import { describe, expect, it } from "vitest";
import { INITIAL_STREAK, nextStreak, type StreakState, streakLevelOf } from "./streak.ts";

const run = (weeks: string): StreakState =>
  [...weeks].reduce((s, c) => nextStreak(s, c === "1"), INITIAL_STREAK);

describe("streaks (DIP-2)", () => {
  it("reach levels 2, 3 and 4 at 4, 21 and 36 consecutive active weeks", () => {
    expect(streakLevelOf(run("111").connectionStreak)).toBe(1);
    expect(streakLevelOf(run("1111").connectionStreak)).toBe(2);
    expect(streakLevelOf(run("1".repeat(21)).connectionStreak)).toBe(3);
    expect(streakLevelOf(run("1".repeat(35)).connectionStreak)).toBe(3);
    expect(streakLevelOf(run("1".repeat(36)).connectionStreak)).toBe(4);
  });

  it("keep the streak through up to two inactive weeks and drop a level on every third", () => {
    expect(run("1111100")).toEqual({ connectionStreak: 5, disconnectionStreak: 2 });
    expect(run("11111000")).toEqual({ connectionStreak: 0, disconnectionStreak: 0 });
    const l4 = "1".repeat(40);
    expect(run(`${l4}000`)).toEqual({ connectionStreak: 21, disconnectionStreak: 0 });
    expect(run(`${l4}000000`)).toEqual({ connectionStreak: 4, disconnectionStreak: 0 });
    expect(run(`${l4}000000000`)).toEqual({ connectionStreak: 0, disconnectionStreak: 0 });
    expect(run(`${l4}0001`)).toEqual({ connectionStreak: 22, disconnectionStreak: 0 });
  });
});
