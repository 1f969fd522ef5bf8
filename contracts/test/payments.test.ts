import {
  buyCredits,
  creditBalance,
  dimoBalanceOf,
  dimoCreditsAbi,
  dimoTokenAbi,
  disputeSettlement,
  getNode,
  getPriceList,
  getSettlement,
  issueDevLicense,
  nodeRegistryAbi,
  nodeWithdrawable,
  type PaymentsClient,
  publishPriceList,
  quoteCredits,
  registerNode,
  releaseSettlements,
  resolveSettlementDispute,
  type SettlementBatch,
  setDimoUsdPrice,
  settleUsage,
  signSettlementBatch,
  sortUsageRecords,
  transferDimo,
  usageRequestId,
  withdrawNodeRevenue,
  writeContract,
} from "@dimo-open/protocol";
import { type LocalAccount, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { marketFixture, moneyFixture, record, rejection } from "./rewardsFixture.ts";

async function signed(client: PaymentsClient, key: LocalAccount, batch: SettlementBatch) {
  return { batch, signature: await signSettlementBatch(client, key, batch) };
}

describe("credits", () => {
  it("are minted by burning DIMO at the oracle price ($0.001 each) and held by a licence", async () => {
    const f = await moneyFixture({ poolFunding: 0n });
    const dev = f.money(f.app);
    await transferDimo(f.admin, { to: f.app.address, amount: parseEther("100") });
    const { tokenId: licenseId } = await issueDevLicense(f.app.client);
    // DIMO at $0.10: a credit ($0.001) costs 0.01 DIMO.
    expect(await quoteCredits(dev, 1000n)).toBe(parseEther("10"));
    const supply = () =>
      f.admin.publicClient.readContract({
        address: f.addresses.dimoToken,
        abi: dimoTokenAbi,
        functionName: "totalSupply",
      });
    const before = await supply();
    const { dimoBurned } = await buyCredits(dev, { licenseId, credits: 1000n });
    expect(dimoBurned).toBe(parseEther("10"));
    expect(await supply()).toBe(before - parseEther("10"));
    expect(await creditBalance(dev, licenseId)).toBe(1000n);
    expect(await dimoBalanceOf(dev, f.app.address)).toBe(parseEther("90"));

    // The oracle moves the price: DIMO at $0.25, 1000 credits cost 4 DIMO; a stale bound fails.
    await setDimoUsdPrice(f.gov, parseEther("0.25"));
    expect(await quoteCredits(dev, 1000n)).toBe(parseEther("4"));
    const e = await rejection(
      buyCredits(dev, { licenseId, credits: 1000n, maxDimo: parseEther("3") }),
      "SlippageExceeded",
    );
    expect(e.message).toContain("quote again");
    await rejection(setDimoUsdPrice(dev, parseEther("1")), "AccessControlUnauthorizedAccount");
    await rejection(setDimoUsdPrice(f.gov, 0n), "InvalidDimoUsdPrice");
    await rejection(buyCredits(dev, { licenseId: 99n, credits: 1n }), "DevLicenseNotFound");
    await rejection(buyCredits(dev, { licenseId, credits: 0n, maxDimo: 1n }), "InvalidCreditAmount");
    await f.close();
  });

  it("cannot be transferred: no transfer function exists, and only the settlement contract can burn them", async () => {
    const f = await moneyFixture({ poolFunding: 0n });
    const names = dimoCreditsAbi.filter((x) => x.type === "function").map((x) => x.name);
    for (const forbidden of [
      "transfer",
      "transferFrom",
      "approve",
      "safeTransferFrom",
      "setApprovalForAll",
    ]) {
      expect(names).not.toContain(forbidden);
    }
    const m = await marketFixture(f, 10n);
    await rejection(
      writeContract(f.app.client, {
        address: f.paymentsAddresses.dimoCredits,
        abi: dimoCreditsAbi,
        functionName: "spend",
        args: [m.licenseId, 10n],
      }),
      "AccessControlUnauthorizedAccount",
    );
    await rejection(
      writeContract(f.admin, {
        address: f.paymentsAddresses.dimoCredits,
        abi: dimoCreditsAbi,
        functionName: "refund",
        args: [m.licenseId, 10n],
      }),
      "AccessControlUnauthorizedAccount",
    );
    expect(await creditBalance(m.dev, m.licenseId)).toBe(10n);
    await f.close();
  });
});

describe("nodes and settlement", () => {
  it("a developer buys credits, queries, the node settles, and the node's balance rises by the price list's amount", async () => {
    const f = await moneyFixture({ poolFunding: 0n });
    const m = await marketFixture(f);
    const prices = await getPriceList(m.operator, { nodeId: m.nodeId });
    expect(prices.items).toEqual([
      { operation: "telemetry_query", creditsPerUnit: 1n },
      { operation: "webhook_delivery", creditsPerUnit: 2n },
    ]);
    const records = sortUsageRecords([
      await record(f, "req-1", 0, 1),
      await record(f, "req-2", 0, 3),
      await record(f, "req-3", 1, 1),
    ]);
    const { batch, signature } = await signed(m.operator, m.nodeKey, {
      nodeId: m.nodeId,
      licenseId: m.licenseId,
      priceVersion: m.priceVersion,
      records,
    });
    // Any account may submit the node-signed batch.
    const first = await settleUsage(f.money(f.relayer), batch, signature);
    expect(first.applied).toBe(true);
    const s = await getSettlement(m.operator, first.settlementId);
    // 1×1 + 3×1 + 1×2 = 6 credits; worth 0.06 DIMO at $0.10; nodes get 40%.
    expect(s.credits).toBe(6n);
    expect(s.nodeAmount).toBe(parseEther("0.024"));
    expect(s.status).toBe("pending");
    expect(await creditBalance(m.dev, m.licenseId)).toBe(994n);
    expect((await settleUsage(m.operator, batch, signature)).applied).toBe(false);
    expect(await creditBalance(m.dev, m.licenseId)).toBe(994n);

    await rejection(releaseSettlements(m.operator, [first.settlementId]), "DisputeWindowOpen");
    await f.increaseTime(3 * 86_400);
    await releaseSettlements(f.money(f.relayer), [first.settlementId]);
    expect(await nodeWithdrawable(m.operator, m.nodeId)).toBe(parseEther("0.024"));
    await rejection(withdrawNodeRevenue(f.money(f.alice), m.nodeId), "NotNodeOperator");
    const before = await dimoBalanceOf(m.operator, f.bob.address);
    const { amount } = await withdrawNodeRevenue(m.operator, m.nodeId);
    expect(amount).toBe(parseEther("0.024"));
    expect(await dimoBalanceOf(m.operator, f.bob.address)).toBe(before + parseEther("0.024"));
    await rejection(withdrawNodeRevenue(m.operator, m.nodeId), "NoRevenueToWithdraw");
    await f.close();
  });

  it("rejects forged, reordered, overlapping, mispriced and unaffordable batches", async () => {
    const f = await moneyFixture({ poolFunding: 0n });
    const m = await marketFixture(f, 5n);
    const base = { nodeId: m.nodeId, licenseId: m.licenseId, priceVersion: m.priceVersion };
    const r3 = await record(f, "c", 0, 1);
    const r1 = { ...(await record(f, "a", 0, 1)), at: r3.at - 2000n };
    const r2 = { ...(await record(f, "b", 0, 1)), at: r3.at - 1000n };

    const forged = await signed(m.operator, privateKeyToAccount(generatePrivateKey()), {
      ...base,
      records: [r1],
    });
    await rejection(settleUsage(m.operator, forged.batch, forged.signature), "InvalidNodeSignature");
    const reordered = await signed(m.operator, m.nodeKey, { ...base, records: [r2, r1] });
    await rejection(settleUsage(m.operator, reordered.batch, reordered.signature), "UsageOutOfOrder");
    const ok = await signed(m.operator, m.nodeKey, { ...base, records: [r1, r2] });
    await settleUsage(m.operator, ok.batch, ok.signature);
    // Same request again inside another batch: never charged twice.
    const overlap = await signed(m.operator, m.nodeKey, { ...base, records: [r2, r3] });
    await rejection(settleUsage(m.operator, overlap.batch, overlap.signature), "UsageOutOfOrder");
    const unknownItem = await signed(m.operator, m.nodeKey, { ...base, records: [{ ...r3, item: 5 }] });
    await rejection(settleUsage(m.operator, unknownItem.batch, unknownItem.signature), "UnknownPriceItem");
    const early = await signed(m.operator, m.nodeKey, { ...base, records: [{ ...r3, at: 1000n }] });
    await rejection(settleUsage(m.operator, early.batch, early.signature), "UsageOutOfOrder");
    const future = await signed(m.operator, m.nodeKey, {
      ...base,
      records: [{ ...r3, at: r3.at + 10_000_000n }],
    });
    await rejection(settleUsage(m.operator, future.batch, future.signature), "UsageInFuture");
    const tooMuch = await signed(m.operator, m.nodeKey, { ...base, records: [{ ...r3, units: 4 }] });
    const e = await rejection(
      settleUsage(m.operator, tooMuch.batch, tooMuch.signature),
      "InsufficientCredits",
    );
    expect(e.message).toContain("holds 3 credits but 4 are due");

    // A new price list applies from its publication on; older requests need the old version.
    await publishPriceList(m.operator, {
      nodeId: m.nodeId,
      items: [{ operation: "telemetry_query", creditsPerUnit: 3n }],
      uri: "",
    });
    const stale = await signed(m.operator, m.nodeKey, {
      ...base,
      priceVersion: m.priceVersion + 1,
      records: [r3],
    });
    await rejection(settleUsage(m.operator, stale.batch, stale.signature), "PriceNotInForce");
    const old = await signed(m.operator, m.nodeKey, { ...base, records: [r3] });
    expect((await settleUsage(m.operator, old.batch, old.signature)).applied).toBe(true);
    await rejection(
      registerNode(f.money(f.alice), { signer: "0x0000000000000000000000000000000000000000", endpoint: "" }),
      "InvalidSigner",
    );
    await f.close();
  });

  it("a licence disputes records it holds no request id for; an upheld dispute refunds them and cuts the node's revenue", async () => {
    const f = await moneyFixture({ poolFunding: 0n });
    const m = await marketFixture(f, 100n);
    const t = (await f.now()) * 1000n;
    const records = sortUsageRecords([
      { requestId: usageRequestId("real-1"), at: t, vehicleId: 7n, item: 0, units: 2 },
      { requestId: usageRequestId("real-2"), at: t, vehicleId: 7n, item: 0, units: 2 },
      { requestId: usageRequestId("invented"), at: t, vehicleId: 7n, item: 1, units: 3 },
    ]);
    const { batch, signature } = await signed(m.operator, m.nodeKey, {
      nodeId: m.nodeId,
      licenseId: m.licenseId,
      priceVersion: m.priceVersion,
      records,
    });
    const { settlementId } = await settleUsage(m.operator, batch, signature);
    expect(await creditBalance(m.dev, m.licenseId)).toBe(90n);
    await rejection(
      disputeSettlement(f.money(f.alice), { settlementId, heldRequestIds: ["real-1"], reasonURI: "" }),
      "NotLicenseOwner",
    );
    const { disputedCredits } = await disputeSettlement(m.dev, {
      settlementId,
      heldRequestIds: ["real-1", "real-2"],
      reasonURI: "ipfs://my-request-log",
    });
    expect(disputedCredits).toBe(6n);
    await f.increaseTime(4 * 86_400);
    await rejection(releaseSettlements(m.operator, [settlementId]), "NotPending");
    await resolveSettlementDispute(f.gov, { settlementId, upheld: true, rulingURI: "ipfs://ruling" });
    expect(await creditBalance(m.dev, m.licenseId)).toBe(96n);
    // 10 credits settled = 0.1 DIMO, 40% = 0.04; 6 of 10 refunded: the node keeps 0.016.
    expect(await nodeWithdrawable(m.operator, m.nodeId)).toBe(parseEther("0.016"));
    expect((await getSettlement(m.operator, settlementId)).status).toBe("released");
    await f.close();
  });

  it("a node can stake and unstake after the unbonding period", async () => {
    const f = await moneyFixture({ poolFunding: 0n });
    const op = f.money(f.bob);
    await transferDimo(f.admin, { to: f.bob.address, amount: parseEther("100") });
    const { nodeId } = await registerNode(op, {
      signer: f.bob.address,
      endpoint: "https://n",
      stake: parseEther("60"),
    });
    expect((await getNode(op, nodeId)).stake).toBe(parseEther("60"));
    const call = (functionName: "requestUnstake" | "withdrawStake", args: readonly unknown[]) =>
      writeContract(op, {
        address: f.paymentsAddresses.nodeRegistry,
        abi: nodeRegistryAbi,
        functionName,
        args,
      } as never);
    await rejection(call("requestUnstake", [nodeId, parseEther("61")]), "InsufficientStake");
    await call("requestUnstake", [nodeId, parseEther("60")]);
    await rejection(call("withdrawStake", [nodeId]), "StakeStillUnbonding");
    await f.increaseTime(7 * 86_400);
    await call("withdrawStake", [nodeId]);
    expect(await dimoBalanceOf(op, f.bob.address)).toBe(parseEther("100"));
    await f.close();
  });
});
