/**
 * An automining devnet makes blocks only for transactions, so between them the chain's clock (the
 * latest block's time) stands still, and every call is answered at that time. A public chain makes
 * a block every few seconds; the node's jobs count on that: a rewards week is over, a published
 * week's claims open, and usage can be settled (never "in the future") only once a block says so.
 *
 * This clock mines one empty block when the chain has been idle for `idleSeconds`, and at once
 * when a rewards deadline (a week's end, a published week's end of challenge) has passed on the
 * wall clock but not yet on chain. It never moves time: each block's time is now.
 */
import { getRewardsCalendar, getRewardsWeek, type RewardsReader, WEEK_SECONDS } from "@dimo-open/protocol";
import type { Eip1193Provider } from "@dimo-open/protocol/devnet";

export interface DevnetClock {
  stop(): Promise<void>;
}

/** The earliest rewards deadline after the chain's time that has passed by `wall` (seconds), if any. */
export async function dueRewardsDeadline(client: RewardsReader, wall: bigint): Promise<bigint | undefined> {
  const { genesis, currentWeek, now } = await getRewardsCalendar(client);
  const deadlines = [genesis + (currentWeek + 1n) * BigInt(WEEK_SECONDS)];
  if (currentWeek > 0n) {
    const last = await getRewardsWeek(client, currentWeek - 1n);
    if (last.status === "pending") deadlines.push(last.finalAt);
  }
  return deadlines.filter((d) => d > now && d <= wall).sort((a, b) => (a < b ? -1 : 1))[0];
}

export interface DevnetClockOptions {
  /** Mine when no block was made for this long (seconds). Default 30. */
  idleSeconds?: number;
  /** Also mine at the rewards calendar's deadlines. */
  rewards?: RewardsReader;
  /** How often to look (ms). Default 1,000. */
  intervalMs?: number;
  onError?: (error: unknown) => void;
}

export function startDevnetClock(
  reader: Pick<RewardsReader, "publicClient">,
  provider: Eip1193Provider,
  o: DevnetClockOptions = {},
): DevnetClock {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const idle = BigInt(o.idleSeconds ?? 30);
  const tick = () => {
    running = (async () => {
      const wall = BigInt(Math.floor(Date.now() / 1000));
      const latest = (await reader.publicClient.getBlock({ blockTag: "latest" })).timestamp;
      const due =
        wall - latest >= idle ||
        (o.rewards !== undefined && (await dueRewardsDeadline(o.rewards, wall)) !== undefined);
      if (due) await provider.request({ method: "evm_mine", params: [] });
    })()
      .catch((error) => o.onError?.(error))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, o.intervalMs ?? 1_000);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
