import type { Address } from "viem";
import { arbitrationAbi } from "../artifacts/index.ts";
import { eventOf, writeContract } from "../client.ts";
import type { HardwareClient, HardwareReader } from "./addresses.ts";
import { ensureDimoAllowance } from "./allowance.ts";
import { decodedRead } from "./read.ts";

const arbitration = (client: HardwareReader) =>
  ({ address: client.hardware.arbitration, abi: arbitrationAbi }) as const;

async function bondFor(client: HardwareClient): Promise<bigint> {
  const bond = await client.publicClient.readContract({
    ...arbitration(client),
    functionName: "challengeBond",
  });
  await ensureDimoAllowance(client, client.hardware.arbitration, bond);
  return bond;
}

/** Challenges a maker before [d]Council, posting the bond (approved first when needed). */
export async function challengeManufacturer(
  client: HardwareClient,
  p: { manufacturerId: bigint; evidenceURI: string },
) {
  const bond = await bondFor(client);
  const result = await writeContract(client, {
    ...arbitration(client),
    functionName: "challengeMaker",
    args: [p.manufacturerId, p.evidenceURI],
  });
  return { ...result, challengeId: eventOf(result, "ChallengeOpened").args.challengeId, bond };
}

/** Disputes a device failure report, posting the bond; the user's tranches wait for the ruling. */
export async function disputeFailureReport(
  client: HardwareClient,
  p: { deviceId: bigint; evidenceURI: string },
) {
  const bond = await bondFor(client);
  const result = await writeContract(client, {
    ...arbitration(client),
    functionName: "disputeFailureReport",
    args: [p.deviceId, p.evidenceURI],
  });
  return { ...result, challengeId: eventOf(result, "ChallengeOpened").args.challengeId, bond };
}

/** How an upheld challenge against a maker slashes its licence stake. */
export interface SlashOrder {
  burn: bigint;
  payouts: readonly { to: Address; amount: bigint }[];
}

/** [d]Council rules on a challenge; `slash` only for an upheld challenge against a maker. */
export function ruleOnChallenge(
  client: HardwareClient,
  p: { challengeId: bigint; upheld: boolean; slash?: SlashOrder; rulingURI: string },
) {
  const slash = p.slash ?? { burn: 0n, payouts: [] };
  return writeContract(client, {
    ...arbitration(client),
    functionName: "rule",
    args: [
      p.challengeId,
      p.upheld,
      {
        burn: slash.burn,
        recipients: slash.payouts.map((x) => x.to),
        amounts: slash.payouts.map((x) => x.amount),
      },
      p.rulingURI,
    ],
  });
}

/** Closes a challenge [d]Council did not rule on in time (the bond comes back). Anyone. */
export function lapseChallenge(client: HardwareClient, challengeId: bigint) {
  return writeContract(client, { ...arbitration(client), functionName: "lapse", args: [challengeId] });
}

export const CHALLENGE_STATUSES = ["none", "open", "upheld", "dismissed", "lapsed"] as const;
export type ChallengeStatus = (typeof CHALLENGE_STATUSES)[number];

/** A challenge and its outcome. */
export async function getChallenge(client: HardwareReader, challengeId: bigint) {
  const c = await decodedRead(() =>
    client.publicClient.readContract({
      ...arbitration(client),
      functionName: "getChallenge",
      args: [challengeId],
    }),
  );
  return {
    challengeId,
    challenger: c.challenger,
    subject: c.subject === 0 ? ("maker" as const) : ("failureReport" as const),
    subjectId: c.subjectId,
    status: CHALLENGE_STATUSES[c.status] as ChallengeStatus,
    openedAt: c.openedAt,
    bond: c.bond,
    evidenceURI: c.evidenceURI,
    rulingURI: c.rulingURI,
  };
}
