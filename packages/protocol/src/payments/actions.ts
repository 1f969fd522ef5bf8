import {
  type Address,
  decodeFunctionData,
  encodeAbiParameters,
  type Hex,
  keccak256,
  type LocalAccount,
  parseEventLogs,
  stringToHex,
  toBytes,
} from "viem";
import { dimoCreditsAbi, dimoTokenAbi, nodeRegistryAbi, usageSettlementAbi } from "../artifacts/index.ts";
import { type WriteResult, writeContract } from "../client.ts";
import type { PaymentsClient, PaymentsReader } from "./addresses.ts";
import {
  type SettlementBatch,
  settlementDomain,
  signSettlement,
  type UsageRecord,
  usageRecordsHash,
  usageRequestId,
} from "./usage.ts";

const credits = (c: PaymentsReader) => ({ address: c.payments.dimoCredits, abi: dimoCreditsAbi }) as const;
const registry = (c: PaymentsReader) => ({ address: c.payments.nodeRegistry, abi: nodeRegistryAbi }) as const;
const settlement = (c: PaymentsReader) =>
  ({ address: c.payments.usageSettlement, abi: usageSettlementAbi }) as const;

const paymentsAbi = [...dimoCreditsAbi, ...nodeRegistryAbi, ...usageSettlementAbi] as const;

/** Decoded events of the payments contracts in a mined write. */
export function paymentsEvents(result: WriteResult) {
  return parseEventLogs({ abi: paymentsAbi, logs: result.receipt.logs });
}

function eventIn<N extends ReturnType<typeof paymentsEvents>[number]["eventName"]>(
  result: WriteResult,
  name: N,
) {
  const found = paymentsEvents(result).find((e) => e.eventName === name);
  if (!found) throw new Error(`transaction ${result.hash} emitted no ${name} event`);
  return found as Extract<ReturnType<typeof paymentsEvents>[number], { eventName: N }>;
}

async function approveIfNeeded(client: PaymentsClient, spender: Address, amount: bigint): Promise<void> {
  if (amount === 0n) return;
  const token = { address: client.addresses.dimoToken, abi: dimoTokenAbi } as const;
  const owner = client.walletClient.account.address;
  const allowance = await client.publicClient.readContract({
    ...token,
    functionName: "allowance",
    args: [owner, spender],
  });
  if (allowance < amount)
    await writeContract(client, { ...token, functionName: "approve", args: [spender, amount] });
}

// ---------------------------------------------------------------- credits

/** DIMO (wei) that `amount` credits cost now. */
export function quoteCredits(client: PaymentsReader, amount: bigint): Promise<bigint> {
  return client.publicClient.readContract({ ...credits(client), functionName: "quote", args: [amount] });
}

/** Credits held by a developer licence. */
export function creditBalance(client: PaymentsReader, licenseId: bigint): Promise<bigint> {
  return client.publicClient.readContract({
    ...credits(client),
    functionName: "balanceOf",
    args: [licenseId],
  });
}

/**
 * Buys credits for a licence by burning their price in DIMO from the caller; approves the burn
 * first. `maxDimo` bounds the price (default: today's quote).
 */
export async function buyCredits(
  client: PaymentsClient,
  p: { licenseId: bigint; credits: bigint; maxDimo?: bigint },
) {
  const maxDimo = p.maxDimo ?? (await quoteCredits(client, p.credits));
  await approveIfNeeded(client, client.payments.dimoCredits, maxDimo);
  const result = await writeContract(client, {
    ...credits(client),
    functionName: "buy",
    args: [p.licenseId, p.credits, maxDimo],
  });
  return { ...result, dimoBurned: eventIn(result, "CreditsBought").args.dimoBurned };
}

/** Sets the DIMO/USD price (18 decimals). Price oracle only. */
export function setDimoUsdPrice(client: PaymentsClient, price: bigint) {
  return writeContract(client, { ...credits(client), functionName: "setDimoUsdPrice", args: [price] });
}

// ---------------------------------------------------------------- nodes

export interface PriceItem {
  /** Operation name (≤ 31 bytes), e.g. "telemetry_query". */
  operation: string;
  creditsPerUnit: bigint;
}

/** Registers a node operated by the caller; `signer` signs its settlements. */
export async function registerNode(
  client: PaymentsClient,
  p: { signer: Address; endpoint: string; stake?: bigint },
) {
  if (p.stake) await approveIfNeeded(client, client.payments.nodeRegistry, p.stake);
  const result = await writeContract(client, {
    ...registry(client),
    functionName: "register",
    args: [p.signer, p.endpoint, p.stake ?? 0n],
  });
  return { ...result, nodeId: eventIn(result, "NodeRegistered").args.nodeId };
}

/** Publishes a new price list version (in force from now). Operator only. */
export async function publishPriceList(
  client: PaymentsClient,
  p: { nodeId: bigint; items: readonly PriceItem[]; uri: string },
) {
  const result = await writeContract(client, {
    ...registry(client),
    functionName: "publishPriceList",
    args: [
      p.nodeId,
      p.items.map((i) => ({
        operation: stringToHex(i.operation, { size: 32 }),
        creditsPerUnit: i.creditsPerUnit,
      })),
      p.uri,
    ],
  });
  return { ...result, version: eventIn(result, "PriceListPublished").args.version };
}

export interface PublishedPriceList {
  version: number;
  items: PriceItem[];
  /** Unix seconds; `until` is 0n for the current version. */
  from: bigint;
  until: bigint;
}

/** A node's price list version (default: the current one). */
export async function getPriceList(
  client: PaymentsReader,
  p: { nodeId: bigint; version?: number },
): Promise<PublishedPriceList> {
  const version = p.version ?? (await getNode(client, p.nodeId)).priceVersion;
  const [items, from, until] = await client.publicClient.readContract({
    ...registry(client),
    functionName: "priceList",
    args: [p.nodeId, version],
  });
  return {
    version,
    from,
    until,
    items: items.map((i) => ({
      operation: new TextDecoder().decode(toBytes(i.operation)).replace(/\0+$/, ""),
      creditsPerUnit: i.creditsPerUnit,
    })),
  };
}

export function getNode(client: PaymentsReader, nodeId: bigint) {
  return client.publicClient.readContract({ ...registry(client), functionName: "getNode", args: [nodeId] });
}

// ---------------------------------------------------------------- settlement

/** Signs a batch with the node's settlement key (the contract's EIP-712 domain). */
export async function signSettlementBatch(
  client: PaymentsReader,
  signer: LocalAccount,
  batch: SettlementBatch,
): Promise<Hex> {
  const chainId = await client.publicClient.getChainId();
  return signSettlement(signer, settlementDomain(chainId, client.payments.usageSettlement), batch);
}

/**
 * Submits a signed batch. Idempotent: a batch already settled returns its settlement id with
 * `applied: false` and changes nothing.
 */
export async function settleUsage(client: PaymentsClient, batch: SettlementBatch, signature: Hex) {
  const result = await writeContract(client, {
    ...settlement(client),
    functionName: "settle",
    args: [batch.nodeId, batch.licenseId, batch.priceVersion, batch.records, signature],
  });
  const settled = paymentsEvents(result).find((e) => e.eventName === "UsageSettled");
  if (settled)
    return {
      ...result,
      settlementId: (settled.args as { settlementId: bigint }).settlementId,
      applied: true,
    };
  const batchHash = settlementBatchHash(batch);
  const settlementId = await client.publicClient.readContract({
    ...settlement(client),
    functionName: "settlementOfBatch",
    args: [batchHash],
  });
  return { ...result, settlementId, applied: false };
}

/** Credits a batch would cost now (checks order and prices; not the signature or balance). */
export function priceUsageBatch(
  client: PaymentsReader,
  batch: Omit<SettlementBatch, "nodeId"> & { nodeId: bigint },
) {
  return client.publicClient.readContract({
    ...settlement(client),
    functionName: "priceBatch",
    args: [batch.nodeId, batch.licenseId, batch.priceVersion, batch.records],
  });
}

function settlementBatchHash(batch: SettlementBatch): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "uint256" }, { type: "uint32" }, { type: "bytes32" }],
      [batch.nodeId, batch.licenseId, batch.priceVersion, usageRecordsHash(batch.records)],
    ),
  );
}

export type SettlementStatus = "none" | "pending" | "disputed" | "released";
const SETTLEMENT_STATUS: readonly SettlementStatus[] = ["none", "pending", "disputed", "released"];

export async function getSettlement(client: PaymentsReader, settlementId: bigint) {
  const s = await client.publicClient.readContract({
    ...settlement(client),
    functionName: "getSettlement",
    args: [settlementId],
  });
  return { ...s, settlementId, status: SETTLEMENT_STATUS[s.status] ?? "none" };
}

/** The records of a settlement, read back from the calldata of the transaction that settled it. */
export async function settlementRecords(
  client: PaymentsReader,
  settlementId: bigint,
): Promise<{ records: UsageRecord[]; txHash: Hex }> {
  const logs = await client.publicClient.getContractEvents({
    ...settlement(client),
    eventName: "UsageSettled",
    args: { settlementId },
    fromBlock: 0n,
  });
  const log = logs[0];
  if (!log) throw new Error(`settlement ${settlementId} not found on chain`);
  const tx = await client.publicClient.getTransaction({ hash: log.transactionHash });
  const call = decodeFunctionData({ abi: usageSettlementAbi, data: tx.input });
  if (call.functionName !== "settle") throw new Error(`transaction ${tx.hash} is not a direct settle call`);
  const records = (call.args[3] as readonly UsageRecord[]).map((r) => ({ ...r }));
  return { records, txHash: log.transactionHash };
}

/**
 * Disputes the records of a settlement whose request ids the licence does not hold (the ids it
 * received from the node, as text). Licence owner only, within the dispute window.
 */
export async function disputeSettlement(
  client: PaymentsClient,
  p: { settlementId: bigint; heldRequestIds: readonly string[]; reasonURI: string },
) {
  const { records } = await settlementRecords(client, p.settlementId);
  const held = new Set(p.heldRequestIds.map((id) => usageRequestId(id)));
  const indices = records.flatMap((r, i) => (held.has(r.requestId) ? [] : [BigInt(i)]));
  if (indices.length === 0)
    throw new Error(
      `every record of settlement ${p.settlementId} matches a held request id; nothing to dispute`,
    );
  const result = await writeContract(client, {
    ...settlement(client),
    functionName: "dispute",
    args: [p.settlementId, records, indices, p.reasonURI],
  });
  return { ...result, disputedCredits: eventIn(result, "SettlementDisputed").args.disputedCredits, indices };
}

/** Rules on a dispute (arbiter only). */
export function resolveSettlementDispute(
  client: PaymentsClient,
  p: { settlementId: bigint; upheld: boolean; rulingURI: string },
) {
  return writeContract(client, {
    ...settlement(client),
    functionName: "resolveDispute",
    args: [p.settlementId, p.upheld, p.rulingURI],
  });
}

/** Releases undisputed settlements whose window has passed. */
export function releaseSettlements(client: PaymentsClient, settlementIds: readonly bigint[]) {
  return writeContract(client, { ...settlement(client), functionName: "release", args: [settlementIds] });
}

/** Released revenue (DIMO wei) a node can withdraw. */
export function nodeWithdrawable(client: PaymentsReader, nodeId: bigint): Promise<bigint> {
  return client.publicClient.readContract({
    ...settlement(client),
    functionName: "withdrawable",
    args: [nodeId],
  });
}

/** Pays the node's released revenue to its operator (the caller). */
export async function withdrawNodeRevenue(client: PaymentsClient, nodeId: bigint) {
  const result = await writeContract(client, {
    ...settlement(client),
    functionName: "withdraw",
    args: [nodeId],
  });
  return { ...result, amount: eventIn(result, "RevenueWithdrawn").args.amount };
}

/** Adds DIMO to the node payout pool (approves first when needed). */
export async function fundPayoutPool(client: PaymentsClient, amount: bigint) {
  await approveIfNeeded(client, client.payments.usageSettlement, amount);
  return writeContract(client, { ...settlement(client), functionName: "fund", args: [amount] });
}

/** Sets the nodes' share (basis points) and the dispute window (seconds). Governance. */
export function setSettlementParameters(
  client: PaymentsClient,
  p: { nodeShareBps: number; disputeWindow: bigint },
) {
  return writeContract(client, {
    ...settlement(client),
    functionName: "setParameters",
    args: [p.nodeShareBps, p.disputeWindow],
  });
}
