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

/**
 * Waits, in real time, until the chain's clock reaches `timestamp` (seconds). An automining devnet
 * makes blocks only for transactions, and calls (viem simulates every write first) run against
 * the latest block's time: so this mines an empty block to read the chain's clock now (never
 * setting it), sleeps the difference, and mines again.
 */
export async function waitForChainTime(
  client: HardwareClient,
  provider: Eip1193Provider,
  timestamp: bigint,
): Promise<void> {
  for (;;) {
    if ((await client.publicClient.getBlock({ blockTag: "latest" })).timestamp >= timestamp) return;
    await provider.request({ method: "evm_mine", params: [] });
    const now = (await client.publicClient.getBlock({ blockTag: "latest" })).timestamp;
    if (now >= timestamp) return;
    // Somewhere inside second `now`: after (timestamp - now) seconds the chain is in `timestamp`.
    await new Promise((r) => setTimeout(r, Number(timestamp - now) * 1000));
  }
}

/** The vote window closed before the vote landed (a stalled machine): propose again. */
const MAX_ATTEMPTS = 3;

/**
 * Runs `proposal` through the governor with `voter`'s delegated votes. With a voting period of a
 * few seconds a machine that stalls can miss the window; the proposal is then made again (with
 * the attempt in its description, since a proposal's id is its content), up to three times.
 */
export async function passProposal(
  voter: HardwareClient,
  provider: Eip1193Provider,
  proposal: GovernanceProposal,
  onStep: (step: string) => void = () => {},
): Promise<{ proposalId: bigint; executed: WriteResult }> {
  for (let attempt = 1; ; attempt++) {
    const current =
      attempt === 1 ? proposal : { ...proposal, description: `${proposal.description} (attempt ${attempt})` };
    const { proposalId, voteStart, voteEnd } = await proposeGovernance(voter, current);
    onStep(attempt === 1 ? "proposed; voting opens in a moment" : `proposed again (attempt ${attempt})`);
    // The governor counts a vote from the second after the snapshot, until the deadline inclusive.
    await waitForChainTime(voter, provider, BigInt(voteStart) + 1n);
    try {
      await castGovernanceVote(voter, { proposalId, support: "for", reason: "devnet demo" });
    } catch (error) {
      const { state } = await getProposal(voter, proposalId);
      if (state !== "defeated" || attempt === MAX_ATTEMPTS) throw error;
      onStep("the vote window closed before the vote landed");
      continue;
    }
    onStep("voted for; waiting for the vote to close");
    await waitForChainTime(voter, provider, BigInt(voteEnd) + 1n);
    await queueGovernance(voter, current);
    const { eta } = await getProposal(voter, proposalId);
    onStep("queued in the timelock");
    await waitForChainTime(voter, provider, eta);
    const executed = await executeGovernance(voter, current);
    return { proposalId, executed };
  }
}
