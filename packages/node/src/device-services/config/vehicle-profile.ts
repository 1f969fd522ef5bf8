/**
 * What the configuration service knows about the vehicle behind a device: from the chain index
 * (the device, the vehicle it is paired with, make, model, year, definition) and from the
 * device's own fingerprint events (the OBD-II bus protocol it detected).
 */
import { type Address, getAddress } from "viem";
import type { SerialConnection } from "../../api/sql.ts";
import type { IdentityIndex } from "../../identity/index.ts";
import type { CanProtocol } from "./documents.ts";

export interface VehicleProfile {
  deviceAddress: Address;
  deviceId: bigint;
  manufacturerId: bigint;
  /** Absent while the device is not paired. */
  vehicle?: {
    tokenId: bigint;
    make: string;
    model: string;
    year: number;
    /** DIMO's definition id: the definition URI's last segment, else `make_model_year` slugs. */
    definitionId: string;
  };
  /** The bus protocol the device reported in its latest fingerprint event, if any. */
  protocol?: CanProtocol;
}

/** The port the configuration service resolves devices through. */
export interface VehicleProfiles {
  profile(deviceAddress: Address): Promise<VehicleProfile | undefined>;
}

/** Lower case, runs of anything but letters and digits as one '-': "Model 3" → "model-3". */
export function slug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

export function definitionIdOf(v: {
  make: string;
  model: string;
  year: number;
  definitionUri: string;
}): string {
  const uri = v.definitionUri.trim();
  if (uri) {
    const last = uri
      .split(/[/:#?]/)
      .filter(Boolean)
      .pop();
    if (last) return last;
  }
  return `${slug(v.make)}_${slug(v.model)}_${v.year}`;
}

/**
 * ELM327 protocol numbers (what DIMO's fingerprints carry) and our names: 6 = ISO 15765-4 CAN
 * 11-bit 500 kbit/s, 7 = 29-bit 500, 8 = 11-bit 250, 9 = 29-bit 250.
 */
const ELM_PROTOCOLS: Record<string, CanProtocol> = {
  "6": "CAN11_500",
  "7": "CAN29_500",
  "8": "CAN11_250",
  "9": "CAN29_250",
  CAN11_500: "CAN11_500",
  CAN29_500: "CAN29_500",
  CAN11_250: "CAN11_250",
  CAN29_250: "CAN29_250",
};

export function protocolFromFingerprint(value: unknown): CanProtocol | undefined {
  if (typeof value === "number") return ELM_PROTOCOLS[String(value)];
  if (typeof value === "string") return ELM_PROTOCOLS[value.trim().toUpperCase()];
  return undefined;
}

/**
 * The protocols devices reported in `dimo.fingerprint` events, read incrementally from the raw
 * archive (by DuckDB row id: `cloud_events` is append-only), latest event time wins.
 */
export class FingerprintProtocols {
  readonly #latest = new Map<string, { time: number; protocol: CanProtocol }>();
  #nextRowId = 0;
  #catchingUp: Promise<void> | undefined;

  constructor(private readonly sql: SerialConnection) {}

  /** Reads the fingerprints stored since the last call. */
  catchUp(): Promise<void> {
    this.#catchingUp ??= this.#read().finally(() => {
      this.#catchingUp = undefined;
    });
    return this.#catchingUp;
  }

  async #read(): Promise<void> {
    const rows = await this.sql.all(
      `SELECT rowid AS r, signer, epoch_ms(time) AS t, json_extract_string(data, '$.protocol') AS protocol
       FROM cloud_events WHERE rowid >= ? AND type = 'dimo.fingerprint' ORDER BY rowid LIMIT 100000`,
      [this.#nextRowId],
    );
    for (const row of rows) {
      this.#nextRowId = Math.max(this.#nextRowId, Number(row.r) + 1);
      const protocol = protocolFromFingerprint(row.protocol);
      if (!protocol) continue;
      const key = String(row.signer).toLowerCase();
      const time = Number(row.t);
      const known = this.#latest.get(key);
      if (!known || known.time <= time) this.#latest.set(key, { time, protocol });
    }
    if (rows.length === 100000) await this.#read();
  }

  of(deviceAddress: Address): CanProtocol | undefined {
    return this.#latest.get(deviceAddress.toLowerCase())?.protocol;
  }
}

/** Profiles from the chain index and, when given, the fingerprints in the raw archive. */
export class IdentityVehicleProfiles implements VehicleProfiles {
  constructor(
    private readonly identity: IdentityIndex,
    private readonly fingerprints?: FingerprintProtocols,
  ) {}

  async profile(deviceAddress: Address): Promise<VehicleProfile | undefined> {
    const address = getAddress(deviceAddress);
    const device = await this.identity.getDevice({ address });
    if (!device) return undefined;
    await this.fingerprints?.catchUp();
    const protocol = this.fingerprints?.of(address);
    const vehicle =
      device.vehicleId === undefined ? undefined : await this.identity.getVehicle(device.vehicleId);
    return {
      deviceAddress: address,
      deviceId: device.tokenId,
      manufacturerId: device.manufacturerId,
      ...(vehicle && {
        vehicle: {
          tokenId: vehicle.tokenId,
          make: vehicle.make,
          model: vehicle.model,
          year: vehicle.year,
          definitionId: definitionIdOf(vehicle),
        },
      }),
      ...(protocol && { protocol }),
    };
  }
}
