import {
  aftermarketDeviceIdAbi,
  challengeRewardsRoot,
  claimReward,
  computeRewardsWeek,
  connectionPointsTable,
  deviceBeneficiary,
  dimoBalanceOf,
  dimoRewardsAbi,
  encodeRewardsInputs,
  getRewardsWeek,
  publishRewardsRoot,
  RewardsTree,
  resolveRewardsChallenge,
  rewardsInputsHash,
  rewardsPoolAvailable,
  STREAK_LEVELS,
  setDeviceBeneficiary,
  transferDimo,
  unpairDevice,
  verifyRewardsWeek,
  WEEK_SECONDS,
  weeklyIssuance,
  writeContract,
} from "@dimo-open/protocol";
import { keccak256, parseEther, toBytes } from "viem";
import { describe, expect, it } from "vitest";
import { moneyFixture, rejection } from "./rewardsFixture.ts";

describe("rewards schedule", () => {
  it("DIP-2 issuance and the streak table are the same on chain and off chain", async () => {
    const f = await moneyFixture({ poolFunding: 0n });
    const read = <T>(functionName: string, args: readonly unknown[]) =>
      f.admin.publicClient.readContract({
        address: f.rewardsAddresses.dimoRewards,
        abi: dimoRewardsAbi,
        functionName,
        args,
      } as never) as Promise<T>;
    for (const week of [0, 1, 51, 52, 53, 104, 520, 5_200, 20_000]) {
      expect(await read<bigint>("weeklyIssuance", [BigInt(week)])).toBe(weeklyIssuance(week));
    }
    expect(weeklyIssuance(0)).toBe(parseEther("1105000"));
    expect(weeklyIssuance(52)).toBe(parseEther("939250"));
    expect(weeklyIssuance(104)).toBe(parseEther("798362.5"));
    expect(weeklyIssuance(20_000)).toBe(0n);
    for (const level of [1, 2, 3, 4] as const) {
      const [minWeeks, points] = await read<[number, number]>("streakLevel", [level]);
      expect({ minWeeks, points }).toEqual(STREAK_LEVELS[level]);
    }
    expect(await connectionPointsTable(f.gov)).toEqual({ 1: 6000, 2: 3000, 3: 6000 });
    await f.close();
  });
});

describe("weekly roots and claims", () => {
  it("publishes after the week, holds claims during the challenge window, pays once, rejects bad proofs", async () => {
    const f = await moneyFixture({ poolFunding: parseEther("2000000") });
    const a = await f.installDevice(f.alice);
    const b = await f.installDevice(f.bob);
    const entries = [
      { vehicleId: a.vehicleId, beneficiary: f.alice.address, amount: parseEther("700000") },
      { vehicleId: b.vehicleId, beneficiary: f.bob.address, amount: parseEther("405000") },
    ];
    const tree = new RewardsTree(0n, entries);
    const publish = (total: bigint, root = tree.root) =>
      publishRewardsRoot(f.gov, {
        week: 0n,
        root,
        total,
        inputsHash: keccak256(toBytes("inputs")),
        inputsURI: "ipfs://x",
      });

    await rejection(publish(parseEther("1105000")), "WeekNotOver");
    await f.increaseTime(WEEK_SECONDS);
    await rejection(publish(parseEther("1105000") + 1n), "WeeklyCapExceeded");
    await rejection(
      publishRewardsRoot(f.money(f.alice), {
        week: 0n,
        root: tree.root,
        total: 1n,
        inputsHash: tree.root,
        inputsURI: "",
      }),
      "AccessControlUnauthorizedAccount",
    );
    await publish(parseEther("1105000"));
    await rejection(publish(parseEther("1")), "RootAlreadyPublished");
    expect(await rewardsPoolAvailable(f.gov)).toBe(parseEther("895000"));

    const claimA = tree.claimOf(a.vehicleId)!;
    const e = await rejection(claimReward(f.money(f.bob), claimA), "RootNotFinal");
    expect(e.message).toContain("pending until");
    await f.increaseTime(3_600);
    const before = await dimoBalanceOf(f.gov, f.alice.address);
    // Anyone may send the claim; the leaf's beneficiary is paid.
    await claimReward(f.money(f.bob), claimA);
    expect(await dimoBalanceOf(f.gov, f.alice.address)).toBe(before + parseEther("700000"));
    await rejection(claimReward(f.money(f.alice), claimA), "AlreadyClaimed");
    const claimB = tree.claimOf(b.vehicleId)!;
    await rejection(claimReward(f.money(f.bob), { ...claimB, amount: claimB.amount + 1n }), "InvalidProof");
    await rejection(claimReward(f.money(f.bob), { ...claimB, beneficiary: f.app.address }), "InvalidProof");
    await claimReward(f.money(f.bob), claimB);
    const week = await getRewardsWeek(f.gov, 0n);
    expect(week.claimed).toBe(parseEther("1105000"));
    expect(week.status).toBe("pending");
    expect(week.final).toBe(true);
    await f.close();
  });

  it("refuses a week the pool cannot pay, and a challenged root waits for the arbiter", async () => {
    const f = await moneyFixture({ poolFunding: parseEther("1000") });
    const a = await f.installDevice(f.alice);
    await f.increaseTime(2 * WEEK_SECONDS);
    const small = new RewardsTree(0n, [
      { vehicleId: a.vehicleId, beneficiary: f.alice.address, amount: parseEther("600") },
    ]);
    const inputs = { inputsHash: small.root, inputsURI: "" };
    const e = await rejection(
      publishRewardsRoot(f.gov, { week: 0n, root: small.root, total: parseEther("1001"), ...inputs }),
      "PoolUnderfunded",
    );
    expect(e.message).toContain("fund the pool first");
    await publishRewardsRoot(f.gov, { week: 0n, root: small.root, total: parseEther("600"), ...inputs });
    await rejection(
      publishRewardsRoot(f.gov, { week: 1n, root: small.root, total: parseEther("600"), ...inputs }),
      "PoolUnderfunded",
    );

    // bob challenges week 0 with a bond; claims wait; the arbiter upholds; the week is republished.
    await transferDimo(f.admin, { to: f.bob.address, amount: parseEther("5000") });
    await challengeRewardsRoot(f.money(f.bob), { week: 0n, evidenceURI: "ipfs://evidence" });
    expect((await getRewardsWeek(f.gov, 0n)).status).toBe("challenged");
    await f.increaseTime(7_200);
    await rejection(claimReward(f.money(f.alice), small.claimOf(a.vehicleId)!), "RootNotFinal");
    await rejection(
      resolveRewardsChallenge(f.money(f.alice), { week: 0n, upheld: true, rulingURI: "" }),
      "AccessControlUnauthorizedAccount",
    );
    await resolveRewardsChallenge(f.gov, { week: 0n, upheld: true, rulingURI: "ipfs://ruling" });
    expect(await dimoBalanceOf(f.gov, f.bob.address)).toBe(parseEther("5000"));
    expect((await getRewardsWeek(f.gov, 0n)).status).toBe("rejected");
    const fixed = new RewardsTree(0n, [
      { vehicleId: a.vehicleId, beneficiary: f.alice.address, amount: parseEther("500") },
    ]);
    await publishRewardsRoot(f.gov, { week: 0n, root: fixed.root, total: parseEther("500"), ...inputs });
    // A dismissed challenge makes the root final at once and the bond joins the pool.
    await challengeRewardsRoot(f.money(f.bob), { week: 0n, evidenceURI: "" });
    await resolveRewardsChallenge(f.gov, { week: 0n, upheld: false, rulingURI: "" });
    expect((await getRewardsWeek(f.gov, 0n)).status).toBe("confirmed");
    await claimReward(f.money(f.alice), fixed.claimOf(a.vehicleId)!);
    expect(await rewardsPoolAvailable(f.gov)).toBe(parseEther("1500"));
    await rejection(
      challengeRewardsRoot(f.money(f.bob), { week: 0n, evidenceURI: "" }),
      "ChallengeWindowClosed",
    );
    await f.close();
  });

  it("pays a device's beneficiary only while its owner keeps the device", async () => {
    const f = await moneyFixture({ poolFunding: 0n });
    const a = await f.installDevice(f.alice);
    await rejection(
      setDeviceBeneficiary(f.money(f.bob), { deviceId: a.deviceId, beneficiary: f.bob.address }),
      "NotDeviceOwner",
    );
    await setDeviceBeneficiary(f.money(f.alice), { deviceId: a.deviceId, beneficiary: f.app.address });
    expect(await deviceBeneficiary(f.gov, a.deviceId)).toBe(f.app.address);
    await unpairDevice(f.alice.client, a.deviceId);
    await writeContract(f.alice.client, {
      address: f.addresses.aftermarketDeviceId,
      abi: aftermarketDeviceIdAbi,
      functionName: "transferFrom",
      args: [f.alice.address, f.bob.address, a.deviceId],
    });
    expect(await deviceBeneficiary(f.gov, a.deviceId)).toBe("0x0000000000000000000000000000000000000000");
    await f.close();
  });

  it("verify recomputes a published week from its inputs file and finds a tampered amount", async () => {
    const f = await moneyFixture();
    const a = await f.installDevice(f.alice);
    const b = await f.installDevice(f.bob);
    await f.increaseTime(WEEK_SECONDS);
    const snapshotBlock = await f.admin.publicClient.getBlockNumber();
    const params = {
      chainId: await f.admin.publicClient.getChainId(),
      rewards: f.rewardsAddresses.dimoRewards,
      week: 0,
      genesis: Number(f.genesis),
      snapshotBlock,
      connectionPoints: await connectionPointsTable(f.gov, snapshotBlock),
      previous: null,
    };
    const obs = [
      {
        vehicleId: a.vehicleId,
        vinHash: keccak256(toBytes("1FTFW1E50PFA00001")),
        deviceId: a.deviceId,
        deviceClass: 2,
        active: true,
        beneficiary: f.alice.address,
      },
      {
        vehicleId: b.vehicleId,
        vinHash: null,
        deviceId: b.deviceId,
        deviceClass: 2,
        active: true,
        beneficiary: f.bob.address,
      },
    ];
    const { inputs, tree } = computeRewardsWeek(params, obs);
    const bytes = encodeRewardsInputs(inputs);
    await publishRewardsRoot(f.gov, {
      week: 0n,
      root: tree.root,
      total: inputs.total,
      inputsHash: rewardsInputsHash(bytes),
      inputsURI: "http://node/v1/rewards/inputs",
    });
    const report = await verifyRewardsWeek(f.gov, { inputs: bytes, checkIdentities: true });
    expect(report).toMatchObject({ ok: true, problems: [], streaksRecomputed: true, identitiesChecked: 2 });
    expect(inputs.total).toBe(parseEther("1105000"));

    // Tampered: a larger amount for alice. The hash no longer matches, and neither does the root.
    const forged = {
      ...inputs,
      vehicles: inputs.vehicles.map((v, i) => (i === 0 ? { ...v, amount: v.amount + 1n } : v)),
    };
    const bad = await verifyRewardsWeek(f.gov, { inputs: encodeRewardsInputs(forged) });
    expect(bad.ok).toBe(false);
    expect(bad.problems.join("\n")).toMatch(/file hash .* ≠ published inputs hash/);
    expect(bad.problems.join("\n")).toMatch(/vehicle 1: amount is/);
    expect(bad.problems.join("\n")).toMatch(/recomputed root/);
    // Wrong beneficiary at the snapshot is caught by the identity check.
    const wrongPayee = computeRewardsWeek(params, [{ ...obs[0]!, beneficiary: f.app.address }, obs[1]!]);
    const wrong = await verifyRewardsWeek(f.gov, {
      inputs: encodeRewardsInputs(wrongPayee.inputs),
      checkIdentities: true,
    });
    expect(wrong.problems.join("\n")).toContain(
      `pays ${f.app.address}, but the chain says ${f.alice.address}`,
    );
    await f.close();
  });
});
