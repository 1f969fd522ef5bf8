/**
 * A governance vote in real time on a live devnet, including the stalled machine that misses
 * the few-second vote window (made deterministic here: the first block the vote waits for lands
 * ten seconds late, as after a stall).
 */
import {
  arbitrationAbi,
  delegateVotes,
  deployHardware,
  getProposal,
  setChallengeBondCall,
  withHardware,
} from "@dimo-open/protocol";
import { type DevnetNetwork, type Eip1193Provider, startDevnetNetwork } from "@dimo-open/protocol/devnet";
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { passProposal } from "./governance.ts";
import { LIVE_DEVNET_GOVERNANCE } from "./setup.ts";

let network: DevnetNetwork;
beforeAll(async () => {
  network = await startDevnetNetwork({ port: 0 });
});
afterAll(async () => {
  await network?.close();
});

describe("passProposal", () => {
  it("passes a proposal in real seconds, proposing again when a stall made the vote miss its window", async () => {
    const hardware = await deployHardware(network.admin, network.deployment.addresses, {
      governance: LIVE_DEVNET_GOVERNANCE,
    });
    const voter = withHardware(network.admin, hardware);
    await delegateVotes(voter, network.deployment.deployer);

    const real = network.devnet.provider;
    let stalled = false;
    const stalling: Eip1193Provider = {
      request: async (args) => {
        if (args.method === "evm_mine" && !stalled) {
          stalled = true;
          await real.request({ method: "evm_increaseTime", params: [10] });
        }
        return real.request(args);
      },
    };
    const steps: string[] = [];
    const bond = parseEther("2500");
    const { proposalId } = await passProposal(
      voter,
      stalling,
      { calls: [setChallengeBondCall(hardware, bond)], description: "Raise the challenge bond" },
      (s) => steps.push(s),
    );
    expect(stalled).toBe(true);
    expect(steps).toEqual([
      "proposed; voting opens in a moment",
      "the vote window closed before the vote landed",
      "proposed again (attempt 2)",
      "voted for; waiting for the vote to close",
      "queued in the timelock",
    ]);
    expect((await getProposal(voter, proposalId)).state).toBe("executed");
    expect(
      await network.admin.publicClient.readContract({
        address: hardware.arbitration,
        abi: arbitrationAbi,
        functionName: "challengeBond",
      }),
    ).toBe(bond);
  });
});
