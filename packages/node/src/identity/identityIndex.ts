import { decodePermissions, type ProtocolAddresses } from "@dimo-open/protocol";
import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import { type Address, getAddress, isAddress } from "viem";
import type { Checkpoint } from "../chain/chainState.ts";
import type { RowChange } from "../chain/journaledStore.ts";
import {
  columnName,
  createTableSql,
  encodeKey,
  keyValues,
  type Row,
  selectList,
  type Table,
} from "../chain/table.ts";
import type { NodeDatabase } from "../db/database.ts";
import { InvalidIdentityQueryError } from "./errors.ts";
import type {
  AftermarketDevice,
  DeviceFilter,
  DevLicense,
  Grant,
  GrantStatus,
  Manufacturer,
  Page,
  PageArgs,
  Pairing,
  RewardClaim,
  RewardsWeek,
  Vehicle,
  VehicleFilter,
} from "./model.ts";
import { paginate, SqlParams } from "./pagination.ts";
import { deviceAddresses, deviceBans, devices, identityTables, pairings } from "./schema.ts";
import { DeviceTimeline } from "./timeline.ts";
import type { DeviceDirectory, DeviceResolution } from "./types.ts";

const date = (seconds: unknown): Date => new Date(Number(seconds) * 1000);
const optionalDate = (seconds: unknown): Date | undefined =>
  seconds === null || seconds === undefined ? undefined : date(seconds);
const optional = <T>(v: T | null): T | undefined => (v === null ? undefined : v);
const seconds = (at: Date): bigint => BigInt(Math.floor(at.getTime() / 1000));

function address(argument: string, value: string): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    throw new InvalidIdentityQueryError(argument, value, "a 0x-prefixed 20-byte address");
  }
  return getAddress(value);
}

function tokenId(argument: string, value: bigint): bigint {
  if (typeof value !== "bigint" || value < 0n || value >= 2n ** 64n) {
    throw new InvalidIdentityQueryError(argument, value, "a token id (bigint from 0 to 2^64-1)");
  }
  return value;
}

function text(argument: string, value: string, max = 256): string {
  if (typeof value !== "string" || value.length > max) {
    throw new InvalidIdentityQueryError(argument, value, `a string of at most ${max} characters`);
  }
  return value;
}

function instant(argument: string, value: Date): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidIdentityQueryError(argument, value, "a valid Date");
  }
  return value;
}

/**
 * The identity index: what the chain says about manufacturers, vehicles, aftermarket devices,
 * pairings, grants and developer licences, as of the indexer's checkpoint. Reads for the APIs are
 * SQL over the node's database; `resolveDevice`, on ingest's path for every message, answers
 * synchronously from memory.
 *
 * Only the ChainIndexer writes it.
 */
export class IdentityIndex implements DeviceDirectory {
  readonly #connection: DuckDBConnection;
  readonly #addresses: ProtocolAddresses;
  readonly #timeline = new DeviceTimeline();
  #checkpoint: Checkpoint | undefined;

  private constructor(connection: DuckDBConnection, addresses: ProtocolAddresses) {
    this.#connection = connection;
    this.#addresses = addresses;
  }

  /** Opens the index in `db` (creating its tables) and loads the device timeline into memory. */
  static async open(db: NodeDatabase, addresses: ProtocolAddresses): Promise<IdentityIndex> {
    for (const key of ["vehicleId", "aftermarketDeviceId", "manufacturerId"] as const) {
      if (!isAddress(addresses[key], { strict: false })) {
        throw new InvalidIdentityQueryError(`addresses.${key}`, addresses[key], "a contract address");
      }
    }
    const connection = await db.connect();
    for (const table of identityTables) for (const sql of createTableSql(table)) await connection.run(sql);
    const index = new IdentityIndex(connection, {
      ...addresses,
      vehicleId: getAddress(addresses.vehicleId),
      aftermarketDeviceId: getAddress(addresses.aftermarketDeviceId),
      manufacturerId: getAddress(addresses.manufacturerId),
    });
    await index.#loadTimeline();
    return index;
  }

  /** The last block the index reflects (undefined before the indexer's first batch). */
  get checkpoint(): Checkpoint | undefined {
    return this.#checkpoint;
  }

  resolveDevice(deviceAddress: Address, atMs: number): DeviceResolution {
    return this.#timeline.resolveDevice(deviceAddress, atMs);
  }

  // ---------------------------------------------------------------- kept current by the indexer

  /** @internal The indexer committed `changes` up to `checkpoint`. */
  applyCommitted(changes: readonly RowChange[], checkpoint: Checkpoint | undefined): void {
    this.#timeline.apply(changes);
    this.#checkpoint = checkpoint;
  }

  /** @internal The indexer loaded its checkpoint. */
  setCheckpoint(checkpoint: Checkpoint | undefined): void {
    this.#checkpoint = checkpoint;
  }

  /** @internal The indexer emptied the index to rebuild it. */
  resetView(): void {
    this.#timeline.clear();
    this.#checkpoint = undefined;
  }

  async #loadTimeline(): Promise<void> {
    this.#timeline.clear();
    for (const table of [devices, deviceAddresses, pairings, deviceBans] as unknown as Table[]) {
      const rows = await this.#rows(`SELECT ${selectList(table)} FROM ${table.name}`);
      this.#timeline.apply(
        rows.map((row) => ({
          table: table.name,
          key: encodeKey(keyValues(table, row as Row)),
          row: row as Row,
        })),
      );
    }
  }

  // ---------------------------------------------------------------- manufacturers

  async getManufacturer(by: { tokenId: bigint } | { name: string }): Promise<Manufacturer | undefined> {
    const p = new SqlParams();
    const where =
      "tokenId" in by
        ? `token_id = ${p.add(tokenId("tokenId", by.tokenId))}`
        : `name = ${p.add(text("name", by.name))}`;
    return (await this.#manufacturers(where, p))[0];
  }

  async listManufacturers(): Promise<Manufacturer[]> {
    return this.#manufacturers("true", new SqlParams());
  }

  async #manufacturers(where: string, p: SqlParams): Promise<Manufacturer[]> {
    const rows = await this.#rows(
      `SELECT token_id, name, owner, minted_at FROM identity_manufacturers WHERE ${where} ORDER BY token_id`,
      p.values,
    );
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.token_id as bigint);
    const attributes = await this.#rows(
      `SELECT manufacturer_id, key, value FROM identity_manufacturer_attributes WHERE manufacturer_id IN (${ids.map((_, i) => `$${i + 1}`).join(", ")}) ORDER BY key`,
      ids,
    );
    return rows.map((r) => ({
      tokenId: r.token_id as bigint,
      name: r.name as string,
      owner: r.owner as Address,
      mintedAt: date(r.minted_at),
      attributes: Object.fromEntries(
        attributes
          .filter((a) => a.manufacturer_id === r.token_id)
          .map((a) => [a.key as string, a.value as string]),
      ),
    }));
  }

  // ---------------------------------------------------------------- vehicles

  async getVehicle(id: bigint): Promise<Vehicle | undefined> {
    const p = new SqlParams();
    const rows = await this.#rows(
      `SELECT ${VEHICLE_SELECT} FROM ${VEHICLE_FROM} WHERE v.token_id = ${p.add(tokenId("tokenId", id))}`,
      p.values,
    );
    return rows[0] && toVehicle(rows[0]);
  }

  async listVehicles(filter: VehicleFilter & PageArgs = {}): Promise<Page<Vehicle>> {
    const p = new SqlParams();
    const where: string[] = [];
    if (filter.owner !== undefined) where.push(`v.owner = ${p.add(address("owner", filter.owner))}`);
    if (filter.manufacturerId !== undefined) {
      where.push(`v.manufacturer_id = ${p.add(tokenId("manufacturerId", filter.manufacturerId))}`);
    }
    if (filter.make !== undefined) where.push(`v.make = ${p.add(text("make", filter.make))}`);
    if (filter.model !== undefined) where.push(`v.model = ${p.add(text("model", filter.model))}`);
    if (filter.year !== undefined) {
      if (!Number.isInteger(filter.year) || filter.year < 0 || filter.year > 65_535) {
        throw new InvalidIdentityQueryError("year", filter.year, "an integer year");
      }
      where.push(`v.year = ${p.add(filter.year)}`);
    }
    if (filter.privileged !== undefined) {
      const grantee = p.add(address("privileged", filter.privileged));
      const at = p.add(seconds(instant("at", filter.at ?? new Date())));
      where.push(
        `EXISTS (SELECT 1 FROM identity_grants g ${GRANT_JOINS}
          WHERE g.asset = ${p.add(this.#addresses.vehicleId)} AND g.token_id = v.token_id AND g.grantee = ${grantee}
          AND ${grantStatusSql("v.owner", at)} = 'active')`,
      );
    }
    return paginate(this.#connection, {
      select: VEHICLE_SELECT,
      from: VEHICLE_FROM,
      where,
      params: p,
      id: "v.token_id",
      page: filter,
      toNode: toVehicle,
      tokenIdOf: (v) => v.tokenId,
    });
  }

  // ---------------------------------------------------------------- aftermarket devices

  async getDevice(
    by: { tokenId: bigint } | { address: Address } | { serial: string },
  ): Promise<AftermarketDevice | undefined> {
    const p = new SqlParams();
    const where =
      "tokenId" in by
        ? `d.token_id = ${p.add(tokenId("tokenId", by.tokenId))}`
        : "address" in by
          ? `d.address = ${p.add(address("address", by.address))}`
          : `d.serial = ${p.add(text("serial", by.serial))}`;
    // Serials are not unique on chain: the oldest device with the serial answers.
    const rows = await this.#rows(
      `SELECT ${DEVICE_SELECT} FROM ${DEVICE_FROM} WHERE ${where} ORDER BY d.token_id LIMIT 1`,
      p.values,
    );
    return rows[0] && toDevice(rows[0]);
  }

  async listDevices(filter: DeviceFilter & PageArgs = {}): Promise<Page<AftermarketDevice>> {
    const p = new SqlParams();
    const where: string[] = [];
    if (filter.owner !== undefined) where.push(`d.owner = ${p.add(address("owner", filter.owner))}`);
    if (filter.manufacturerId !== undefined) {
      where.push(`d.manufacturer_id = ${p.add(tokenId("manufacturerId", filter.manufacturerId))}`);
    }
    return paginate(this.#connection, {
      select: DEVICE_SELECT,
      from: DEVICE_FROM,
      where,
      params: p,
      id: "d.token_id",
      page: filter,
      toNode: toDevice,
      tokenIdOf: (d) => d.tokenId,
    });
  }

  /** The pairing history of a device or of a vehicle, oldest first. */
  async listPairings(of: { deviceId: bigint } | { vehicleId: bigint }): Promise<Pairing[]> {
    const p = new SqlParams();
    const where =
      "deviceId" in of
        ? `device_id = ${p.add(tokenId("deviceId", of.deviceId))}`
        : `vehicle_id = ${p.add(tokenId("vehicleId", of.vehicleId))}`;
    const rows = await this.#rows(
      `SELECT device_id, vehicle_id, paired_at, unpaired_at FROM identity_pairings WHERE ${where} ORDER BY paired_block, device_id, seq`,
      p.values,
    );
    return rows.map((r) => ({
      deviceId: r.device_id as bigint,
      vehicleId: r.vehicle_id as bigint,
      pairedAt: date(r.paired_at),
      unpairedAt: optionalDate(r.unpaired_at),
    }));
  }

  // ---------------------------------------------------------------- grants

  /**
   * The grants stored for a token (default asset: the vehicle registry), newest first, each with
   * its status: expiry is evaluated at `at` (default now), the rest (owner, transfers,
   * templates) as of the index's checkpoint.
   */
  async listGrants(q: { tokenId: bigint; asset?: Address; at?: Date }): Promise<Grant[]> {
    return this.#grants(q);
  }

  /** The grant of `grantee` on a token, with its status (see `listGrants`). */
  async getGrant(q: {
    tokenId: bigint;
    grantee: Address;
    asset?: Address;
    at?: Date;
  }): Promise<Grant | undefined> {
    return (await this.#grants(q))[0];
  }

  async #grants(q: { tokenId: bigint; grantee?: Address; asset?: Address; at?: Date }): Promise<Grant[]> {
    const p = new SqlParams();
    const at = p.add(seconds(instant("at", q.at ?? new Date())));
    const owners = this.#ownersSql(p);
    const where = [
      `g.asset = ${p.add(q.asset === undefined ? this.#addresses.vehicleId : address("asset", q.asset))}`,
      `g.token_id = ${p.add(tokenId("tokenId", q.tokenId))}`,
    ];
    if (q.grantee !== undefined) where.push(`g.grantee = ${p.add(address("grantee", q.grantee))}`);
    const rows = await this.#rows(
      `WITH owners AS (${owners})
       SELECT g.*, ${grantStatusSql("o.owner", at)} AS status FROM identity_grants g
       LEFT JOIN owners o ON o.asset = g.asset AND o.token_id = g.token_id
       ${GRANT_JOINS}
       WHERE ${where.join(" AND ")} ORDER BY g.created_block DESC, g.grantee`,
      p.values,
    );
    return rows.map((r) => {
      const permissions = BigInt(r.permissions as string);
      const template = r.template_id as bigint;
      return {
        asset: r.asset as Address,
        tokenId: r.token_id as bigint,
        grantee: r.grantee as Address,
        permissions,
        privileges: decodePermissions(permissions),
        expiresAt: r.expiration as bigint,
        source: r.source as string,
        grantor: r.grantor as Address,
        tokenVersion: r.token_version as bigint,
        templateId: template === 0n ? undefined : template,
        templateEpoch: template === 0n ? undefined : (r.template_epoch as bigint),
        createdAt: date(r.created_at),
        status: r.status as GrantStatus,
      };
    });
  }

  /** Who owns each token of the registries grants are indexed for. */
  #ownersSql(p: SqlParams): string {
    const a = this.#addresses;
    return [
      `SELECT ${p.add(a.vehicleId)} AS asset, token_id, owner FROM identity_vehicles`,
      `SELECT ${p.add(a.aftermarketDeviceId)}, token_id, owner FROM identity_devices`,
      `SELECT ${p.add(a.manufacturerId)}, token_id, owner FROM identity_manufacturers`,
    ].join(" UNION ALL ");
  }

  // ---------------------------------------------------------------- developer licences

  async getDevLicense(
    by: { tokenId: bigint } | { clientId: Address } | { alias: string },
  ): Promise<DevLicense | undefined> {
    const p = new SqlParams();
    const where =
      "tokenId" in by
        ? `token_id = ${p.add(tokenId("tokenId", by.tokenId))}`
        : "clientId" in by
          ? `client_id = ${p.add(address("clientId", by.clientId))}`
          : `alias = ${p.add(text("alias", by.alias, 64))}`;
    const [row] = await this.#rows(
      `SELECT token_id, owner, client_id, alias, issued_at FROM identity_dev_licenses WHERE ${where}`,
      p.values,
    );
    if (!row) return undefined;
    const id = row.token_id as bigint;
    const signers = await this.#rows(
      "SELECT signer, expires_at, enabled_at FROM identity_dev_license_signers WHERE license_id = $1 ORDER BY signer",
      [id],
    );
    const uris = await this.#rows(
      "SELECT uri FROM identity_dev_license_redirect_uris WHERE license_id = $1 ORDER BY added_at, uri",
      [id],
    );
    return {
      tokenId: id,
      owner: row.owner as Address,
      clientId: row.client_id as Address,
      alias: optional(row.alias as string | null),
      issuedAt: date(row.issued_at),
      signers: signers.map((s) => ({
        address: s.signer as Address,
        expiresAt: s.expires_at as bigint,
        enabledAt: date(s.enabled_at),
      })),
      redirectUris: uris.map((u) => u.uri as string),
    };
  }

  // ---------------------------------------------------------------- rewards

  /**
   * Rewards paid (claimed on DimoRewards) to a beneficiary or for a vehicle, newest week first
   * (then by vehicle). Amounts are DIMO wei.
   */
  async listRewardClaims(of: { beneficiary: Address } | { vehicleId: bigint }): Promise<RewardClaim[]> {
    const p = new SqlParams();
    const where =
      "beneficiary" in of
        ? `beneficiary = ${p.add(address("beneficiary", of.beneficiary))}`
        : `vehicle_id = ${p.add(tokenId("vehicleId", of.vehicleId))}`;
    const rows = await this.#rows(
      `SELECT week, vehicle_id, beneficiary, amount, claimed_at FROM identity_reward_claims WHERE ${where}
       ORDER BY week DESC, vehicle_id`,
      p.values,
    );
    return rows.map((r) => ({
      week: r.week as bigint,
      vehicleId: r.vehicle_id as bigint,
      beneficiary: r.beneficiary as Address,
      amount: BigInt(r.amount as string),
      claimedAt: date(r.claimed_at),
    }));
  }

  /** A published week of rewards and how much of it has been claimed so far. */
  async getRewardsWeek(week: bigint): Promise<RewardsWeek | undefined> {
    const p = new SqlParams();
    const w = p.add(tokenId("week", week));
    const rows = await this.#rows(
      `SELECT week, root, total, inputs_hash, inputs_uri, publisher, published_at, final_at, status,
              (SELECT count(*) FROM identity_reward_claims c WHERE c.week = ${w}) AS claims,
              (SELECT coalesce(sum(CAST(amount AS HUGEINT)), 0) FROM identity_reward_claims c WHERE c.week = ${w})::VARCHAR AS claimed
       FROM identity_reward_weeks WHERE week = ${w}`,
      p.values,
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      week: r.week as bigint,
      root: r.root as string,
      total: BigInt(r.total as string),
      claimed: BigInt(r.claimed as string),
      claims: Number(r.claims),
      inputsHash: r.inputs_hash as string,
      inputsUri: r.inputs_uri as string,
      publisher: r.publisher as Address,
      publishedAt: date(r.published_at),
      finalAt: date(r.final_at),
      status: r.status as RewardsWeek["status"],
    };
  }

  // ---------------------------------------------------------------- whole index

  /**
   * Every table's rows in key order, values as strings: two indexes of the same chain built
   * independently dump identically.
   */
  async dump(): Promise<Record<string, string[][]>> {
    const out: Record<string, string[][]> = {};
    for (const table of identityTables) {
      const cols = Object.keys(table.columns).map(columnName);
      const reader = await this.#connection.runAndReadAll(
        `SELECT ${cols.join(", ")} FROM ${table.name} ORDER BY ${table.key.map(columnName).join(", ")}`,
      );
      out[table.name] = reader.getRows().map((r) => r.map((v) => (v === null ? "∅" : String(v))));
    }
    return out;
  }

  async #rows(sql: string, values: DuckDBValue[] = []): Promise<Record<string, unknown>[]> {
    const reader = await this.#connection.runAndReadAll(sql, values);
    return reader.getRowObjects() as Record<string, unknown>[];
  }
}

const VEHICLE_SELECT =
  "v.token_id, v.owner, v.manufacturer_id, v.make, v.model, v.year, v.definition_uri, v.minted_at, d.token_id AS device_id";
const VEHICLE_FROM = "identity_vehicles v LEFT JOIN identity_devices d ON d.vehicle_id = v.token_id";

function toVehicle(r: Record<string, unknown>): Vehicle {
  return {
    tokenId: r.token_id as bigint,
    owner: r.owner as Address,
    manufacturerId: r.manufacturer_id as bigint,
    make: r.make as string,
    model: r.model as string,
    year: r.year as number,
    definitionUri: r.definition_uri as string,
    mintedAt: date(r.minted_at),
    aftermarketDeviceId: optional(r.device_id as bigint | null),
  };
}

const DEVICE_SELECT =
  "d.token_id, d.manufacturer_id, d.address, d.owner, d.serial, d.claimed, d.installed_at, d.vehicle_id, d.minted_at, b.device_id IS NOT NULL AS banned";
const DEVICE_FROM = "identity_devices d LEFT JOIN identity_device_bans b ON b.device_id = d.token_id";

function toDevice(r: Record<string, unknown>): AftermarketDevice {
  return {
    tokenId: r.token_id as bigint,
    manufacturerId: r.manufacturer_id as bigint,
    address: r.address as Address,
    owner: r.owner as Address,
    serial: r.serial as string,
    claimed: r.claimed as boolean,
    installedAt: optionalDate(r.installed_at),
    vehicleId: optional(r.vehicle_id as bigint | null),
    mintedAt: date(r.minted_at),
    banned: r.banned as boolean,
  };
}

/** Joins a grant `g` needs to judge it: its token's version and its template. */
const GRANT_JOINS = `LEFT JOIN identity_token_versions tv ON tv.asset = g.asset AND tv.token_id = g.token_id
  LEFT JOIN identity_grant_templates t ON g.template_id <> 0 AND t.template_id = g.template_id`;

/**
 * The contract's `_inForce`, in SQL, naming the first reason a grant fails. `owner` is the SQL
 * for the token's current owner, `at` the placeholder of the time (Unix seconds) for the expiry.
 */
function grantStatusSql(owner: string, at: string): string {
  return `(CASE
    WHEN ${owner} IS NULL THEN 'asset_missing'
    WHEN g.token_version <> COALESCE(tv.version, 0) THEN 'asset_transferred'
    WHEN g.template_id <> 0 AND NOT COALESCE(t.active AND t.epoch = g.template_epoch, false) THEN 'template_revoked'
    WHEN g.grantor <> ${owner} THEN 'grantor_not_owner'
    WHEN g.expiration <= ${at} THEN 'expired'
    ELSE 'active' END)`;
}
