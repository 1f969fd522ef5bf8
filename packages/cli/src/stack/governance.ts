/**
 * Passes a DIMO governance proposal on a live devnet in real time: propose, wait for the vote to
 * open, vote, wait for it to close, queue, wait out the timelock, execute. The devnet's clock
 * stays on the wall clock (devices stamp their data with it), so nothing here moves time: with
 * the devnet's short governance timing the whole path takes a few seconds.
 */
import {
  castGovernanceVote,
  executeGovernance,
  type GovernanceProposal,
  getProposal,
  type HardwareClient,
  proposeGovernance,
  queueGovernance,
  type WriteResult,
} from "@dimo-open/protocol";
import type { Eip1193Provider } from "@dimo-open/protocol/devnet";

/** Waits until the chain's latest block is at or past `timestamp` (seconds), on the wall clock. */
export async function waitForChainTime(
  client: HardwareClient,
  provider: Eip1193Provider,
  timestamp: bigint,
): Promise<void> {
  for (;;) {
    const wait = Number(timestamp) * 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait + 20, 1000)));
    else {
      // An automining devnet makes blocks only for transactions, and calls (viem simulates every
      // write first) run against the latest block's time: mine an empty block, on the wall
      // clock, so the chain sees the second that has come.
      const latest = await client.publicClient.getBlock({ blockTag: "latest" });
      if (latest.timestamp >= timestamp) return;
      await provider.request({ method: "evm_mine", params: [] });
      const mined = await client.publicClient.getBlock({ blockTag: "latest" });
      if (mined.timestamp >= timestamp) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Runs `proposal` through the governor with `voter`'s delegated votes. */
export async function passProposal(
  voter: HardwareClient,
  provider: Eip1193Provider,
  proposal: GovernanceProposal,
  onStep: (step: string) => void = () => {},
): Promise<{ proposalId: bigint; executed: WriteResult }> {
  const { proposalId, voteStart, voteEnd } = await proposeGovernance(voter, proposal);
  onStep("proposed; voting opens in a moment");
  // The governor counts a vote from the second after the snapshot, until the deadline inclusive.
  await waitForChainTime(voter, provider, BigInt(voteStart) + 1n);
  await castGovernanceVote(voter, { proposalId, support: "for", reason: "devnet demo" });
  onStep("voted for; waiting for the vote to close");
  await waitForChainTime(voter, provider, BigInt(voteEnd) + 1n);
  await queueGovernance(voter, proposal);
  const { eta } = await getProposal(voter, proposalId);
  onStep("queued in the timelock");
  await waitForChainTime(voter, provider, eta);
  const executed = await executeGovernance(voter, proposal);
  return { proposalId, executed };
}
