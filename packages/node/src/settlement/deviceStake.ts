import {
  type DeviceFailure,
  deviceStakeAbi,
  erc721Did,
  getDeviceVesting,
  HARDWARE_MONTH,
  type HardwareClient,
  ProtocolError,
  releaseDeviceStake,
  reportDeviceFailure,
  VESTING_MONTHS,
} from "@dimo-open/protocol";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Address } from "viem";

/** A device that stopped working, with the evidence the report will point to. */
export interface DeviceFailureReport {
  deviceId: bigint;
  failure: DeviceFailure;
  evidenceURI: string;
}

/** The device-performance port: which of these installed devices have failed by `nowMs`. */
export interface DevicePerformanceSource {
  failures(deviceIds: readonly bigint[], nowMs: number): Promise<DeviceFailureReport[]>;
}

/**
 * Disconnections seen in the telemetry store: a device that has sent data but nothing for
 * `silenceMs` (default 30 days) is reported disconnected. A device never heard from is not
 * reported (it may not be powered yet); malfunctions need the device-performance service.
 */
export class TelemetryDisconnections implements DevicePerformanceSource {
  constructor(
    private readonly connection: DuckDBConnection,
    private readonly devices: { chainId: number; aftermarketDeviceId: Address },
    private readonly silenceMs = 30 * 86_400_000,
  ) {}

  async failures(deviceIds: readonly bigint[], nowMs: number): Promise<DeviceFailureReport[]> {
    const out: DeviceFailureReport[] = [];
    for (let i = 0; i < deviceIds.length; i += 500) {
      const dids = deviceIds
        .slice(i, i + 500)
        .map((id) => erc721Did(this.devices.chainId, this.devices.aftermarketDeviceId, id));
      const reader = await this.connection.runAndReadAll(
        `SELECT producer, epoch_ms(max(time)) AS last_ms FROM cloud_events
         WHERE producer IN (${dids.map(() => "?").join(", ")}) GROUP BY producer`,
        dids,
      );
      for (const row of reader.getRowObjectsJS()) {
        const last = Number(row.last_ms);
        if (nowMs - last < this.silenceMs) continue;
        const did = String(row.producer);
        out.push({
          deviceId: BigInt(did.slice(did.lastIndexOf(":") + 1)),
          failure: "disconnection",
          evidenceURI: `dimo-node:telemetry:last-seen:${did}@${new Date(last).toISOString()}`,
        });
      }
    }
    return out;
  }
}

export interface DeviceStakeRun {
  /** Devices whose vested tranches were paid. */
  released: bigint[];
  reported: DeviceFailureReport[];
}

/**
 * Drives the hardware stakes of installed devices without manual steps: reports failures the
 * performance source finds (the client must hold PERFORMANCE_REPORTER_ROLE), then releases every
 * vested, unpaid tranche (anyone may). Installed devices are found from DeviceStakeLocked events.
 */
export class DeviceStakeJob {
  constructor(
    private readonly o: {
      client: HardwareClient;
      performance: DevicePerformanceSource;
      log?: (message: string, fields?: Record<string, unknown>) => void;
    },
  ) {}

  async runOnce(): Promise<DeviceStakeRun> {
    const c = this.o.client;
    const logs = await c.publicClient.getContractEvents({
      address: c.hardware.deviceStake,
      abi: deviceStakeAbi,
      eventName: "DeviceStakeLocked",
      fromBlock: 0n,
    });
    const installed = [...new Set(logs.map((l) => l.args.deviceId!))];
    const now = (await c.publicClient.getBlock()).timestamp;
    const vestings = [];
    for (let i = 0; i < installed.length; i += 32) {
      vestings.push(...(await Promise.all(installed.slice(i, i + 32).map((id) => getDeviceVesting(c, id)))));
    }
    const end = (startedAt: number | bigint) => BigInt(startedAt) + BigInt(VESTING_MONTHS * HARDWARE_MONTH);
    const candidates = vestings
      .filter((v) => v.failure === "none" && end(v.startedAt) > now)
      .map((v) => v.deviceId);
    const reported: DeviceFailureReport[] = [];
    for (const report of await this.o.performance.failures(candidates, Number(now) * 1000)) {
      try {
        await reportDeviceFailure(c, report);
        reported.push(report);
      } catch (error) {
        // Reported meanwhile by another reporter, or the vesting ended: nothing to do.
        if (
          error instanceof ProtocolError &&
          ["FailureAlreadyReported", "VestingComplete"].includes(error.errorName)
        )
          continue;
        throw error;
      }
    }
    const due = (await Promise.all(installed.map((id) => getDeviceVesting(c, id))))
      .filter((v) => v.releasable.toMaker + v.releasable.toIntegrations + v.releasable.toUser > 0n)
      .map((v) => v.deviceId);
    for (let i = 0; i < due.length; i += 100) await releaseDeviceStake(c, due.slice(i, i + 100));
    if (reported.length + due.length > 0)
      this.o.log?.("device stakes", { released: due.length, reported: reported.length });
    return { released: due, reported };
  }
}
