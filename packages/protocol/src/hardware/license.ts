import { manufacturerLicenseAbi } from "../artifacts/index.ts";
import { writeContract } from "../client.ts";
import { type HardwareClient, type HardwareReader, regionsOf } from "./addresses.ts";
import { ensureDimoAllowance } from "./allowance.ts";

const licenses = (client: HardwareReader) =>
  ({ address: client.hardware.manufacturerLicense, abi: manufacturerLicenseAbi }) as const;

/** Stakes the caller's DIMO for its maker's licence (approving the amount first when needed). */
export async function stakeLicense(client: HardwareClient, p: { manufacturerId: bigint; amount: bigint }) {
  await ensureDimoAllowance(client, client.hardware.manufacturerLicense, p.amount);
  return writeContract(client, {
    ...licenses(client),
    functionName: "stake",
    args: [p.manufacturerId, p.amount],
  });
}

/** The foundation fronts licence stake for a temporary licence. */
export async function fundLicenseLoan(client: HardwareClient, p: { manufacturerId: bigint; amount: bigint }) {
  await ensureDimoAllowance(client, client.hardware.manufacturerLicense, p.amount);
  return writeContract(client, {
    ...licenses(client),
    functionName: "fundLoan",
    args: [p.manufacturerId, p.amount],
  });
}

/** The maker replaces `amount` of the foundation's loan with its own DIMO; the lender is paid back. */
export async function repayLicenseLoan(
  client: HardwareClient,
  p: { manufacturerId: bigint; amount: bigint },
) {
  await ensureDimoAllowance(client, client.hardware.manufacturerLicense, p.amount);
  return writeContract(client, {
    ...licenses(client),
    functionName: "repayLoan",
    args: [p.manufacturerId, p.amount],
  });
}

/** The maker renounces its licence; the stake can be withdrawn six months later. */
export function renounceLicense(client: HardwareClient, manufacturerId: bigint) {
  return writeContract(client, { ...licenses(client), functionName: "renounce", args: [manufacturerId] });
}

/** Pays an ended licence's stake back (own stake to the maker, loan to the foundation). Anyone. */
export function withdrawLicenseStake(client: HardwareClient, manufacturerId: bigint) {
  return writeContract(client, {
    ...licenses(client),
    functionName: "withdrawStake",
    args: [manufacturerId],
  });
}

/** [d]Integrations suspends a licence. */
export function suspendLicense(client: HardwareClient, p: { manufacturerId: bigint; reasonURI: string }) {
  return writeContract(client, {
    ...licenses(client),
    functionName: "suspend",
    args: [p.manufacturerId, p.reasonURI],
  });
}

/** [d]Integrations lifts a suspension. */
export function reinstateLicense(client: HardwareClient, manufacturerId: bigint) {
  return writeContract(client, { ...licenses(client), functionName: "reinstate", args: [manufacturerId] });
}

/** [d]Integrations revokes a licence. */
export function revokeLicense(client: HardwareClient, p: { manufacturerId: bigint; reasonURI: string }) {
  return writeContract(client, {
    ...licenses(client),
    functionName: "revoke",
    args: [p.manufacturerId, p.reasonURI],
  });
}

/** [d]Integrations raises one maker's stake requirement. */
export function raiseStakeRequirement(
  client: HardwareClient,
  p: { manufacturerId: bigint; requirement: bigint },
) {
  return writeContract(client, {
    ...licenses(client),
    functionName: "raiseStakeRequirement",
    args: [p.manufacturerId, p.requirement],
  });
}

export const LICENSE_STATUSES = ["none", "active", "suspended", "revoked", "renounced"] as const;
export type LicenseStatus = (typeof LICENSE_STATUSES)[number];

/** A maker's licence: status, validity, stake (own and loaned), requirement and exit date. */
export async function getLicense(client: HardwareReader, manufacturerId: bigint) {
  const c = licenses(client);
  const [l, valid, requirement, withdrawableAt] = await Promise.all([
    client.publicClient.readContract({ ...c, functionName: "getLicense", args: [manufacturerId] }),
    client.publicClient.readContract({ ...c, functionName: "isValid", args: [manufacturerId] }),
    client.publicClient.readContract({ ...c, functionName: "requirementOf", args: [manufacturerId] }),
    client.publicClient.readContract({ ...c, functionName: "withdrawableAt", args: [manufacturerId] }),
  ]);
  return {
    manufacturerId,
    status: LICENSE_STATUSES[l.status] as LicenseStatus,
    valid,
    temporary: l.expiresAt !== 0,
    regions: regionsOf(l.regions),
    issuedAt: l.issuedAt,
    expiresAt: l.expiresAt,
    endedAt: l.endedAt,
    openChallenges: l.openChallenges,
    requirement,
    ownStake: l.ownStake,
    loanStake: l.loanStake,
    stake: l.ownStake + l.loanStake,
    lender: l.lender,
    /** When the stake can be withdrawn (0 while the licence runs). */
    withdrawableAt,
  };
}

/** True when the maker may mint devices and sell preorders now. */
export function isLicenseValid(client: HardwareReader, manufacturerId: bigint): Promise<boolean> {
  return client.publicClient.readContract({
    ...licenses(client),
    functionName: "isValid",
    args: [manufacturerId],
  });
}
