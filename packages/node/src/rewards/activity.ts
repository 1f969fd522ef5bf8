import { parseErc721Did } from "@dimo-open/protocol";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Address } from "viem";

/** What one device's data showed about a vehicle in a week. */
export interface DeviceActivity {
  deviceId: bigint;
  /** At least one signal took more than one value: the vehicle was really running. */
  nonConstant: boolean;
}

/** A vehicle that sent anything in the week. */
export interface VehicleActivity {
  vehicleId: bigint;
  devices: DeviceActivity[];
  /** The VIN it reported most often that week (upper-case), or null. */
  vin: string | null;
}

/**
 * The rewards job's one question to the telemetry store: per vehicle, which devices sent data in
 * [fromMs, toMs) and was any of it non-constant. Ingest only stores data from devices the chain
 * index showed paired with the vehicle, so every producer here was paired when it sent.
 */
export interface WeeklyActivitySource {
  weeklyActivity(fromMs: number, toMs: number): Promise<VehicleActivity[]>;
}

/** The telemetry store's DuckDB tables (`signals`, `cloud_events`) as a WeeklyActivitySource. */
export class DuckDbWeeklyActivity implements WeeklyActivitySource {
  constructor(
    private readonly connection: DuckDBConnection,
    /** The registries whose DIDs count; data naming any other contract is ignored. */
    private readonly contracts: { vehicleId: Address; aftermarketDeviceId: Address },
  ) {}

  async weeklyActivity(fromMs: number, toMs: number): Promise<VehicleActivity[]> {
    if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs) || toMs <= fromMs) {
      throw new RangeError(`weekly activity needs fromMs < toMs (safe integers), got [${fromMs}, ${toMs})`);
    }
    const producers = await this.connection.runAndReadAll(
      `WITH per_signal AS (
         SELECT subject, producer, name,
                count(DISTINCT coalesce(CAST(value_number AS VARCHAR), value_string, CAST(value_location AS VARCHAR))) AS n
         FROM signals WHERE timestamp >= epoch_ms($from) AND timestamp < epoch_ms($to)
         GROUP BY subject, producer, name)
       SELECT subject, producer, max(n) > 1 AS non_constant FROM per_signal GROUP BY subject, producer`,
      { from: fromMs, to: toMs },
    );
    const vins = await this.connection.runAndReadAll(
      `SELECT subject, upper(trim(json_extract_string(data, '$.vin'))) AS vin, count(*) AS n FROM cloud_events
       WHERE time >= epoch_ms($from) AND time < epoch_ms($to) AND json_valid(data)
         AND length(trim(coalesce(json_extract_string(data, '$.vin'), ''))) BETWEEN 11 AND 17
       GROUP BY 1, 2 ORDER BY subject, n DESC, vin`,
      { from: fromMs, to: toMs },
    );
    const vehicles = new Map<bigint, VehicleActivity>();
    const vehicleOf = (did: string): bigint | undefined => this.tokenOf(did, this.contracts.vehicleId);
    for (const row of producers.getRowObjectsJS()) {
      const vehicleId = vehicleOf(String(row.subject));
      const deviceId = this.tokenOf(String(row.producer), this.contracts.aftermarketDeviceId);
      if (vehicleId === undefined || deviceId === undefined) continue;
      const v = vehicles.get(vehicleId) ?? { vehicleId, devices: [], vin: null };
      v.devices.push({ deviceId, nonConstant: row.non_constant === true });
      vehicles.set(vehicleId, v);
    }
    for (const row of vins.getRowObjectsJS()) {
      const vehicleId = vehicleOf(String(row.subject));
      const v = vehicleId === undefined ? undefined : vehicles.get(vehicleId);
      if (v && v.vin === null) v.vin = String(row.vin);
    }
    return [...vehicles.values()].sort((a, b) => (a.vehicleId < b.vehicleId ? -1 : 1));
  }

  private tokenOf(did: string, contract: Address): bigint | undefined {
    try {
      const parsed = parseErc721Did(did);
      return parsed.contract.toLowerCase() === contract.toLowerCase() ? parsed.tokenId : undefined;
    } catch {
      return undefined;
    }
  }
}
