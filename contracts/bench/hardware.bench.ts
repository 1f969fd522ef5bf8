/**
 * Gas of each hardware-ecosystem operation (licensing, per-device stake, vesting, arbitration,
 * preorders, governance), measured from transaction receipts on the devnet. The figures are
 * deterministic: same code, same inputs.
 */

import {
  approveApplicationCall,
  buyPreorderSpot,
  castGovernanceVote,
  challengeManufacturer,
  claimDevice,
  claimDeviceMessage,
  DEVNET_GOVERNANCE,
  deliverPreorderSpot,
  disputeFailureReport,
  executeGovernance,
  HARDWARE_MONTH,
  mintLicensedDevices,
  mintVehicle,
  openPreorderSeries,
  pairDevice,
  proposeGovernance,
  queueGovernance,
  recordApplicationReadout,
  releaseDeviceStake,
  renounceLicense,
  reportDeviceFailure,
  ruleOnChallenge,
  selectProductionModel,
  signTypedMessage,
  stakeLicense,
  submitLicenseApplication,
  type WriteResult,
  withdrawLicenseStake,
} from "@dimo-open/protocol";
import { parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardwareFixture, LICENSE_STAKE } from "../test/hardwareFixture.ts";

const gas = (r: WriteResult) => r.receipt.gasUsed;

export default async function (): Promise<string> {
  const f = await hardwareFixture();
  const rows: [string, string][] = [];
  const row = (name: string, value: bigint | string) => rows.push([name, String(value)]);
  try {
    // Licensing through governance.
    const application = await submitLicenseApplication(f.bobHw.client, {
      name: "Bench Devices",
      regions: ["US", "EU", "UK"],
      categoryId: 1n,
      modelName: "BD-1",
      modelSpecURI: "ipfs://bd-1",
      metadataURI: "ipfs://bench-application",
    });
    row("submit licence application", gas(application));
    const applicationId = application.applicationId;
    row(
      "record testers' readout",
      gas(
        await recordApplicationReadout(f.integrations.client, {
          applicationId,
          readoutURI: "ipfs://readout",
          requirements: ["secureElement", "ota"],
          recommended: true,
        }),
      ),
    );
    const proposal = {
      calls: [approveApplicationCall(f.hardware, applicationId)],
      description: "bench approval",
    };
    const proposed = await proposeGovernance(f.gov.client, proposal);
    row("governance: propose (approve application)", gas(proposed));
    await f.increaseTime(DEVNET_GOVERNANCE.votingDelay + 1);
    row(
      "governance: vote",
      gas(await castGovernanceVote(f.gov.client, { proposalId: proposed.proposalId, support: "for" })),
    );
    await f.increaseTime(DEVNET_GOVERNANCE.votingPeriod + 1);
    row("governance: queue", gas(await queueGovernance(f.gov.client, proposal)));
    await f.increaseTime(DEVNET_GOVERNANCE.timelockDelay + 1);
    row(
      "governance: execute (mints the maker identity, issues the licence, registers the model)",
      gas(await executeGovernance(f.gov.client, proposal)),
    );
    row(
      "stake licence (top-up)",
      gas(
        await stakeLicense(f.makerHw.client, { manufacturerId: f.manufacturerId, amount: parseEther("1") }),
      ),
    );

    // Minting with the licence check and the per-device stake pull.
    row(
      "select production model",
      gas(
        await selectProductionModel(f.makerHw.client, {
          manufacturerId: f.manufacturerId,
          modelId: f.modelId,
        }),
      ),
    );
    for (const n of [1, 10, 100]) {
      const keys = Array.from({ length: n }, () => privateKeyToAccount(generatePrivateKey()));
      const r = await mintLicensedDevices(f.makerHw.client, {
        manufacturerId: f.manufacturerId,
        modelId: f.modelId,
        devices: keys.map((k, i) => ({ deviceAddress: k.address, serial: `SN-${n}-${i}` })),
      });
      row(`mint ${n} licensed device(s) (per device)`, `${gas(r)} (${gas(r) / BigInt(n)})`);
    }

    // Installation: first pairing, burn and lock.
    const devices = await f.mintDevices(100);
    const vehicles: bigint[] = [];
    let installGas = 0n;
    for (const [i, deviceId] of devices.deviceIds.entries()) {
      const key = devices.keys[i]!;
      const msg = await claimDeviceMessage(f.aliceHw.client, {
        deviceId,
        deviceAddress: key.address,
        owner: f.alice.address,
        deadline: (await f.now()) + 100_000_000n,
      });
      await claimDevice(f.aliceHw.client, msg, await signTypedMessage(key, msg));
      const { tokenId } = await mintVehicle(f.aliceHw.client, {
        manufacturerId: f.manufacturerId,
        make: "Ford",
        model: "F-150",
        year: 2020,
        definitionURI: "",
      });
      vehicles.push(tokenId);
      const paired = await pairDevice(f.aliceHw.client, { deviceId, vehicleId: tokenId });
      if (i === 0) installGas = gas(paired);
    }
    row("first pairing = installation (pair + burn 25% + lock 75%)", installGas);
    await f.increaseTime(HARDWARE_MONTH);
    row("release 1 device (1 tranche)", gas(await releaseDeviceStake(f.gov.client, [devices.deviceIds[0]!])));
    const many = await releaseDeviceStake(f.gov.client, devices.deviceIds.slice(1));
    row("release 99 devices (1 tranche each; per device)", `${gas(many)} (${gas(many) / 99n})`);
    const reported = await reportDeviceFailure(f.reporter.client, {
      deviceId: devices.deviceIds[0]!,
      failure: "malfunction",
      evidenceURI: "ipfs://telemetry",
    });
    row("report a malfunction", gas(reported));
    await f.increaseTime(HARDWARE_MONTH);
    row(
      "release a failed device (maker/[d]Integrations + user tranche)",
      gas(await releaseDeviceStake(f.gov.client, [devices.deviceIds[0]!])),
    );

    // Arbitration.
    const dispute = await disputeFailureReport(f.makerHw.client, {
      deviceId: devices.deviceIds[0]!,
      evidenceURI: "ipfs://device-fine",
    });
    row("dispute a failure report (bond)", gas(dispute));
    row(
      "rule on a dispute (upheld: report void, bond back)",
      gas(
        await ruleOnChallenge(f.council.client, {
          challengeId: dispute.challengeId,
          upheld: true,
          rulingURI: "ipfs://ruling",
        }),
      ),
    );
    const challenge = await challengeManufacturer(f.aliceHw.client, {
      manufacturerId: f.manufacturerId,
      evidenceURI: "ipfs://evidence",
    });
    row("challenge a maker (bond)", gas(challenge));
    row(
      "rule on a challenge (upheld: burn + 10 payouts, bond back)",
      gas(
        await ruleOnChallenge(f.council.client, {
          challengeId: challenge.challengeId,
          upheld: true,
          slash: {
            burn: parseEther("1000"),
            payouts: Array.from({ length: 10 }, () => ({ to: f.alice.address, amount: parseEther("10") })),
          },
          rulingURI: "ipfs://ruling",
        }),
      ),
    );

    // The slash left the licence under its requirement: top it up.
    await stakeLicense(f.makerHw.client, { manufacturerId: f.manufacturerId, amount: parseEther("1100") });

    // Preorders.
    const now = Number(await f.now());
    const series = await openPreorderSeries(f.makerHw.client, {
      manufacturerId: f.manufacturerId,
      modelId: f.modelId,
      price: parseEther("250"),
      deliveryFrom: now,
      deliveryUntil: now + 90 * 86_400,
      refundRule: "ifNotDeliveredInWindow",
      supply: 1000,
    });
    row("open a preorder series", gas(series));
    const spot = await buyPreorderSpot(f.aliceHw.client, series.seriesId);
    row("buy a preorder spot (escrow)", gas(spot));
    row(
      "deliver a preorder spot (device proof, escrow to maker)",
      gas(
        await deliverPreorderSpot(f.makerHw.client, { spotId: spot.spotId, deviceId: devices.deviceIds[1]! }),
      ),
    );

    // Exit.
    await stakeLicense(f.makerHw.client, { manufacturerId: f.manufacturerId, amount: LICENSE_STAKE });
    row("renounce licence", gas(await renounceLicense(f.makerHw.client, f.manufacturerId)));
    await f.increaseTime(6 * HARDWARE_MONTH + 1);
    row(
      "withdraw licence stake after six months",
      gas(await withdrawLicenseStake(f.gov.client, f.manufacturerId)),
    );
  } finally {
    await f.close();
  }
  return [
    "## Hardware ecosystem: gas per operation",
    "",
    "Gas used as reported by transaction receipts on the devnet (cancun rules, solc 0.8.30, optimizer 200",
    "runs), for the flows of docs/economics.md, run through the typed helpers of `@dimo-open/protocol`.",
    "Compare minting and pairing with the protocol section: the licence check and the stake pull cost a",
    "fixed amount per batch (no storage write per device); installation adds the burn and the vesting record.",
    "",
    "| operation | gas |",
    "|---|---:|",
    ...rows.map(([name, value]) => `| ${name} | ${value} |`),
  ].join("\n");
}
