import { dimoRewardsAbi } from "@dimo-open/protocol";
import type { Address } from "viem";
import { defineEventSource, type EventSource } from "../chain/eventSource.ts";
import type { IdentityWriter } from "./writer.ts";

/**
 * DimoRewards as an event source of the identity index: each week's published root (and its
 * challenge and ruling) and every reward claimed, so that identity GraphQL answers `rewards(user)`
 * and a vehicle's `earnings` from the chain alone.
 */
export function rewardsEventSources(rewards: { dimoRewards: Address }): EventSource<IdentityWriter>[] {
  return [
    defineEventSource<typeof dimoRewardsAbi, IdentityWriter>({
      name: "dimoRewards",
      address: rewards.dimoRewards,
      abi: dimoRewardsAbi,
      handlers: {
        RootPublished: (e, w) => w.publishRewardsWeek(e.args),
        RootChallenged: (e, w) => w.challengeRewardsWeek({ week: e.args.week }),
        ChallengeResolved: (e, w) => w.resolveRewardsChallenge({ week: e.args.week, upheld: e.args.upheld }),
        RewardClaimed: (e, w) => w.claimReward(e.args),
      },
    }),
  ];
}
