/**
 * Device configuration per vehicle, as DIMO's device-config API serves it: templates (a pids
 * document plus the DBC and device settings it goes with), resolved for a device by the most
 * specific rule — the device itself, its vehicle's definition, a make + model + year range, then
 * a default per powertrain and bus protocol — and published as versioned documents
 * (`name@vX.Y.Z`). Every change of content is a new version; every version stays servable, so a
 * device that fetched the URLs a moment before a change still gets what they name.
 *
 * Tables (node database): `device_config_documents` (kind, name, version, content, sha256),
 * `device_config_templates` (current definition of each template), `device_config_rules`,
 * `device_config_powertrains`.
 */
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Database } from "@dimo-open/can";
import { blobValue } from "@duckdb/node-api";
import { type Address, getAddress, isAddress } from "viem";
import type { SerialConnection } from "../../api/sql.ts";
import { TELEMETRY_SCHEMA } from "../../telemetry/schema.ts";
import { DeviceServiceNotFoundError, InvalidDeviceConfigError } from "../errors.ts";
import {
  CAN_PROTOCOLS,
  type CanProtocol,
  canonicalJson,
  checkDbc,
  checkDocumentName,
  checkPidsDocument,
  checkSettingsDocument,
  type DocumentKind,
  MAX_DOCUMENT_BYTES,
  POWERTRAINS,
  type Powertrain,
  sha256Hex,
} from "./documents.ts";
import { slug, type VehicleProfile, type VehicleProfiles } from "./vehicle-profile.ts";
import { bumpVersion, compareVersions, type VersionBump, versionedName } from "./versions.ts";

/** DIMO's numbers (shared/reference/dimo-api.md); seeded as the `default` settings document. */
export const DEFAULT_DEVICE_SETTINGS = {
  safety_cut_out_voltage: 12.2,
  wake_trigger_voltage_level: 12.8,
  min_voltage_obd_loggers: 13.3,
  battery_critical_voltage: 12.4,
  location_frequency_secs: 20,
} as const;

export interface ConfigTemplateInput {
  /** Our logger configuration (version 1) or DIMO's PID list. */
  pids: unknown;
  /** A DBC of the repository (by name) the pids document decodes. */
  dbc?: string;
  /** The device settings document; default: the one named `default`. */
  settings?: string;
  /** For default rules; taken from the pids document when it says. */
  protocol?: CanProtocol;
  powertrain?: Powertrain;
}

export interface ConfigTemplate {
  name: string;
  version: string;
  dbc: string | undefined;
  settings: string | undefined;
  protocol: CanProtocol | undefined;
  powertrain: Powertrain | undefined;
  /** SHA-256 of the DBC the pids document pins, if it pins one. */
  dbcSha256: string | undefined;
  updatedAt: number;
}

export type TemplateRule =
  | { match: "device"; device: Address; template: string }
  | { match: "definition"; definitionId: string; template: string }
  | { match: "vehicle"; make: string; model: string; yearFrom: number; yearTo: number; template: string }
  | { match: "default"; powertrain: Powertrain | "*"; protocol: CanProtocol | "*"; template: string };

export interface DocumentRef {
  name: string;
  version: string;
}

export interface ResolvedConfig {
  profile: VehicleProfile;
  template: string;
  /** Which rule chose the template. */
  via: TemplateRule["match"];
  pids: DocumentRef;
  dbc: DocumentRef | undefined;
  settings: DocumentRef;
  powertrain: Powertrain;
  protocol: CanProtocol;
}

/** `{pidUrl, dbcUrl?, deviceSettingUrl}`: DIMO's answer, each URL ending in `name@vX.Y.Z`. */
export interface DeviceConfigUrls {
  pidUrl: string;
  dbcUrl?: string;
  deviceSettingUrl: string;
}

export interface StoredDocument {
  kind: DocumentKind;
  name: string;
  version: string;
  sha256: string;
  bytes: Uint8Array;
  contentType: string;
}

export interface PutResult {
  name: string;
  version: string;
  /** False when the content equals the latest version's (nothing was written). */
  changed: boolean;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS device_config_documents (
     kind VARCHAR NOT NULL, name VARCHAR NOT NULL, version VARCHAR NOT NULL,
     major INTEGER NOT NULL, minor INTEGER NOT NULL, patch INTEGER NOT NULL,
     sha256 VARCHAR NOT NULL, content BLOB NOT NULL, created_at BIGINT NOT NULL,
     PRIMARY KEY (kind, name, version))`,
  `CREATE TABLE IF NOT EXISTS device_config_templates (
     name VARCHAR PRIMARY KEY, version VARCHAR NOT NULL, definition VARCHAR NOT NULL,
     dbc VARCHAR, settings VARCHAR, protocol VARCHAR, powertrain VARCHAR, dbc_sha256 VARCHAR,
     updated_at BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS device_config_rules (
     match VARCHAR NOT NULL, key VARCHAR NOT NULL, template VARCHAR NOT NULL,
     make VARCHAR, model VARCHAR, year_from INTEGER, year_to INTEGER, powertrain VARCHAR, protocol VARCHAR,
     PRIMARY KEY (match, key))`,
  `CREATE TABLE IF NOT EXISTS device_config_powertrains (
     key VARCHAR PRIMARY KEY, make VARCHAR NOT NULL, model VARCHAR NOT NULL,
     year_from INTEGER NOT NULL, year_to INTEGER NOT NULL, powertrain VARCHAR NOT NULL)`,
];

const CONTENT_TYPES: Record<DocumentKind, string> = {
  pids: "application/json",
  settings: "application/json",
  dbc: "text/plain; charset=utf-8",
};

/** URL path segment of each kind, as DIMO's device-config API names them. */
export const DOCUMENT_PATHS: Record<DocumentKind, string> = {
  pids: "pids",
  dbc: "dbc",
  settings: "settings",
};

const utf8 = new TextEncoder();

export class DeviceConfigService {
  private constructor(
    private readonly sql: SerialConnection,
    private readonly profiles: VehicleProfiles,
    private readonly now: () => number,
  ) {}

  static async open(o: {
    sql: SerialConnection;
    profiles: VehicleProfiles;
    now?: () => number;
  }): Promise<DeviceConfigService> {
    for (const statement of [...SCHEMA, ...TELEMETRY_SCHEMA]) await o.sql.run(statement);
    const service = new DeviceConfigService(o.sql, o.profiles, o.now ?? Date.now);
    if (!(await service.latest("settings", "default"))) {
      await service.putSettings("default", DEFAULT_DEVICE_SETTINGS);
    }
    return service;
  }

  // ------------------------------------------------------------------ documents

  /** The latest version of a document, or undefined. */
  async latest(kind: DocumentKind, name: string): Promise<{ version: string; sha256: string } | undefined> {
    const [row] = await this.sql.all(
      `SELECT version, sha256 FROM device_config_documents WHERE kind = ? AND name = ?
       ORDER BY major DESC, minor DESC, patch DESC LIMIT 1`,
      [kind, name],
    );
    return row && { version: String(row.version), sha256: String(row.sha256) };
  }

  /** One version of a document, exactly as devices get it. */
  async document(kind: DocumentKind, name: string, version: string): Promise<StoredDocument> {
    const [row] = await this.sql.all(
      "SELECT sha256, content FROM device_config_documents WHERE kind = ? AND name = ? AND version = ?",
      [kind, name, version],
    );
    if (!row) {
      const latest = await this.latest(kind, name);
      throw new DeviceServiceNotFoundError(`No ${kind} document ${versionedName(name, version)}.`, {
        details: latest
          ? `The latest is ${versionedName(name, latest.version)}; ask /v1/device-config/eth-addr/<address>/urls again.`
          : `No ${kind} document is named ${name}.`,
      });
    }
    return {
      kind,
      name,
      version,
      sha256: String(row.sha256),
      bytes: row.content as Uint8Array,
      contentType: CONTENT_TYPES[kind],
    };
  }

  async #append(kind: DocumentKind, name: string, bytes: Uint8Array, bump: VersionBump): Promise<PutResult> {
    if (bytes.length > MAX_DOCUMENT_BYTES) {
      throw new InvalidDeviceConfigError(
        `The ${kind} document ${name} is ${bytes.length} bytes; at most 4 MiB.`,
      );
    }
    const sha256 = sha256Hex(bytes);
    const previous = await this.latest(kind, name);
    if (previous?.sha256 === sha256) return { name, version: previous.version, changed: false };
    const version = bumpVersion(previous?.version, bump);
    const [major, minor, patch] = version.split(".").map(Number);
    await this.sql.run("INSERT INTO device_config_documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
      kind,
      name,
      version,
      major!,
      minor!,
      patch!,
      sha256,
      blobValue(bytes),
      this.now(),
    ]);
    return { name, version, changed: true };
  }

  /** Publishes a device settings document (a new version when its content changed). */
  async putSettings(name: string, settings: unknown, bump: VersionBump = "patch"): Promise<PutResult> {
    checkDocumentName("settings", name);
    const checked = checkSettingsDocument(settings);
    return this.#append("settings", name, utf8.encode(canonicalJson(checked)), bump);
  }

  /**
   * Publishes a DBC into the repository (a new version when its bytes changed). A changed DBC must
   * still carry what every template decoding it (without pinning an older one) needs.
   */
  async putDbc(name: string, bytes: Uint8Array, bump: VersionBump = "patch"): Promise<PutResult> {
    checkDocumentName("dbc", name);
    const database = checkDbc(name, bytes);
    const users = await this.sql.all(
      "SELECT name, definition, dbc_sha256 FROM device_config_templates WHERE dbc = ? AND dbc_sha256 IS NULL",
      [name],
    );
    for (const user of users) {
      const { pids } = JSON.parse(String(user.definition)) as { pids: unknown };
      try {
        checkPidsDocument(pids, database);
      } catch (error) {
        throw new InvalidDeviceConfigError(
          `The new ${name} would break template ${String(user.name)}, which decodes it.`,
          { details: (error as InvalidDeviceConfigError).details ?? (error as Error).message, cause: error },
        );
      }
    }
    return this.#append("dbc", name, bytes, bump);
  }

  /**
   * The repository of DBCs: publishes every `*.dbc` of a directory (e.g. a checkout of opendbc)
   * under its file name without `.dbc`; files whose bytes changed get a new version.
   */
  async syncDbcDirectory(dir: string): Promise<{ published: PutResult[] }> {
    const files = (await readdir(dir)).filter((f) => f.endsWith(".dbc")).sort();
    const published: PutResult[] = [];
    for (const file of files) {
      published.push(await this.putDbc(basename(file, ".dbc"), await readFile(join(dir, file))));
    }
    return { published };
  }

  async #dbcDatabase(name: string, sha256?: string): Promise<{ database: Database; ref: DocumentRef }> {
    const rows = await this.sql.all(
      `SELECT version, sha256, content FROM device_config_documents WHERE kind = 'dbc' AND name = ?
       ${sha256 ? "AND sha256 = ?" : ""} ORDER BY major DESC, minor DESC, patch DESC LIMIT 1`,
      sha256 ? [name, sha256] : [name],
    );
    const row = rows[0];
    if (!row) {
      throw new InvalidDeviceConfigError(
        sha256
          ? `No version of DBC ${name} has the SHA-256 the pids document pins.`
          : `No DBC named ${name}.`,
        { details: sha256 ? `Pinned: ${sha256}.` : "Publish it first (PUT /v1/device-config/dbc/<name>)." },
      );
    }
    return {
      database: checkDbc(name, row.content as Uint8Array),
      ref: { name, version: String(row.version) },
    };
  }

  // ------------------------------------------------------------------ templates

  /**
   * Creates or changes a template. Checked as a device would check it (against its DBC, the
   * catalogue, the settings it names); the version moves (`bump`, default patch) only when
   * something changed.
   */
  async putTemplate(
    name: string,
    input: ConfigTemplateInput,
    bump: VersionBump = "patch",
  ): Promise<PutResult> {
    checkDocumentName("template", name);
    if (input === null || typeof input !== "object" || input.pids === undefined) {
      throw new InvalidDeviceConfigError(`Template ${name} has no pids document.`, {
        details: "Send {pids, dbc?, settings?, protocol?, powertrain?}.",
      });
    }
    if (input.protocol !== undefined && !CAN_PROTOCOLS.includes(input.protocol)) {
      throw new InvalidDeviceConfigError(
        `Template ${name}: protocol ${JSON.stringify(input.protocol)} is unknown.`,
        {
          details: `One of ${CAN_PROTOCOLS.join(", ")}.`,
        },
      );
    }
    if (input.powertrain !== undefined && !POWERTRAINS.includes(input.powertrain)) {
      throw new InvalidDeviceConfigError(
        `Template ${name}: powertrain ${JSON.stringify(input.powertrain)} is unknown.`,
        { details: `One of ${POWERTRAINS.join(", ")}.` },
      );
    }
    if (input.dbc !== undefined) checkDocumentName("dbc", input.dbc);
    if (input.settings !== undefined) {
      checkDocumentName("settings", input.settings);
      if (!(await this.latest("settings", input.settings))) {
        throw new InvalidDeviceConfigError(
          `Template ${name} names settings ${input.settings}, which do not exist.`,
        );
      }
    }
    // A logger configuration that pins its DBC's SHA-256 decides which version of the DBC it gets.
    const pinned = peekPinnedSha(input.pids);
    const dbc = input.dbc === undefined ? undefined : await this.#dbcDatabase(input.dbc, pinned);
    const checked = checkPidsDocument(input.pids, dbc?.database);
    if (input.protocol && checked.protocol && input.protocol !== checked.protocol) {
      throw new InvalidDeviceConfigError(
        `Template ${name} says protocol ${input.protocol} but its pids document polls on ${checked.protocol}.`,
      );
    }
    const protocol = input.protocol ?? checked.protocol;
    const definition = canonicalJson({
      pids: input.pids,
      dbc: input.dbc ?? null,
      settings: input.settings ?? null,
      protocol: protocol ?? null,
      powertrain: input.powertrain ?? null,
    });
    const [current] = await this.sql.all(
      "SELECT version, definition FROM device_config_templates WHERE name = ?",
      [name],
    );
    if (current && String(current.definition) === definition) {
      return { name, version: String(current.version), changed: false };
    }
    // The pids document is versioned with the template: its URL carries the template's version.
    const previous = current ? String(current.version) : (await this.latest("pids", name))?.version;
    const version = bumpVersion(previous, bump);
    const bytes = utf8.encode(canonicalJson(input.pids));
    const [major, minor, patch] = version.split(".").map(Number);
    await this.sql.transaction(async (tx) => {
      await tx.run("INSERT INTO device_config_documents VALUES ('pids', ?, ?, ?, ?, ?, ?, ?, ?)", [
        name,
        version,
        major!,
        minor!,
        patch!,
        sha256Hex(bytes),
        blobValue(bytes),
        this.now(),
      ]);
      await tx.run(`INSERT OR REPLACE INTO device_config_templates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        name,
        version,
        definition,
        input.dbc ?? null,
        input.settings ?? null,
        protocol ?? null,
        input.powertrain ?? null,
        checked.dbcSha256 ?? null,
        this.now(),
      ]);
    });
    return { name, version, changed: true };
  }

  async getTemplate(name: string): Promise<ConfigTemplate | undefined> {
    const [row] = await this.sql.all("SELECT * FROM device_config_templates WHERE name = ?", [name]);
    return row && toTemplate(row);
  }

  async listTemplates(): Promise<ConfigTemplate[]> {
    return (await this.sql.all("SELECT * FROM device_config_templates ORDER BY name")).map(toTemplate);
  }

  // ------------------------------------------------------------------ rules

  /** Adds or replaces the rule with the same match (one template per device, definition, range, default). */
  async setRule(rule: TemplateRule): Promise<void> {
    const r = normaliseRule(rule);
    if (!(await this.getTemplate(r.template))) {
      throw new InvalidDeviceConfigError(`Rule names template ${r.template}, which does not exist.`);
    }
    await this.sql.run("INSERT OR REPLACE INTO device_config_rules VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
      r.match,
      ruleKey(r),
      r.template,
      r.match === "vehicle" ? r.make : null,
      r.match === "vehicle" ? r.model : null,
      r.match === "vehicle" ? r.yearFrom : null,
      r.match === "vehicle" ? r.yearTo : null,
      r.match === "default" ? r.powertrain : null,
      r.match === "default" ? r.protocol : null,
    ]);
  }

  async removeRule(rule: TemplateRule): Promise<boolean> {
    const r = normaliseRule(rule);
    const rows = await this.sql.all(
      "DELETE FROM device_config_rules WHERE match = ? AND key = ? RETURNING key",
      [r.match, ruleKey(r)],
    );
    return rows.length > 0;
  }

  /** Records the powertrain of a make (and model, "*" for all) over a year range. */
  async setPowertrain(p: {
    make: string;
    model?: string;
    yearFrom?: number;
    yearTo?: number;
    powertrain: Powertrain;
  }): Promise<void> {
    if (!POWERTRAINS.includes(p.powertrain)) {
      throw new InvalidDeviceConfigError(`Powertrain ${JSON.stringify(p.powertrain)} is unknown.`, {
        details: `One of ${POWERTRAINS.join(", ")}.`,
      });
    }
    const make = slug(p.make);
    const model = p.model === undefined || p.model === "*" ? "*" : slug(p.model);
    const yearFrom = p.yearFrom ?? 0;
    const yearTo = p.yearTo ?? 9999;
    checkYears(yearFrom, yearTo);
    if (!make) throw new InvalidDeviceConfigError("A powertrain needs a make.");
    await this.sql.run("INSERT OR REPLACE INTO device_config_powertrains VALUES (?, ?, ?, ?, ?, ?)", [
      `${make}|${model}|${yearFrom}|${yearTo}`,
      make,
      model,
      yearFrom,
      yearTo,
      p.powertrain,
    ]);
  }

  async #powertrainOf(vehicle: VehicleProfile["vehicle"]): Promise<Powertrain | undefined> {
    if (!vehicle) return undefined;
    const [row] = await this.sql.all(
      `SELECT powertrain FROM device_config_powertrains
       WHERE make = ? AND (model = ? OR model = '*') AND ? BETWEEN year_from AND year_to
       ORDER BY (model = '*'), year_to - year_from LIMIT 1`,
      [slug(vehicle.make), slug(vehicle.model), vehicle.year],
    );
    return row ? (String(row.powertrain) as Powertrain) : undefined;
  }

  // ------------------------------------------------------------------ resolution

  /**
   * The configuration of the device at `address`: the template of the most specific rule —
   * device, definition, make + model + year range (the narrowest), then default for the vehicle's
   * powertrain and protocol (exact before "*") — with its DBC and settings at their versions.
   */
  async resolve(address: string): Promise<ResolvedConfig> {
    if (!isAddress(address, { strict: false })) {
      throw new InvalidDeviceConfigError(`${JSON.stringify(address.slice(0, 60))} is not a device address.`);
    }
    const deviceAddress = getAddress(address);
    const profile = await this.profiles.profile(deviceAddress);
    if (!profile) {
      throw new DeviceServiceNotFoundError(`No device ${deviceAddress} on chain.`, {
        details: "Devices are configured once their maker minted them.",
      });
    }
    const powertrain = (await this.#powertrainOf(profile.vehicle)) ?? "ICE";
    const protocol = profile.protocol ?? "CAN11_500";
    const v = profile.vehicle;
    const rows = await this.sql.all(
      `SELECT match, template FROM device_config_rules WHERE
         (match = 'device' AND key = ?)
         OR (match = 'definition' AND key = ?)
         OR (match = 'vehicle' AND make = ? AND model = ? AND ? BETWEEN year_from AND year_to)
         OR (match = 'default' AND (powertrain = ? OR powertrain = '*') AND (protocol = ? OR protocol = '*'))
       ORDER BY CASE match WHEN 'device' THEN 0 WHEN 'definition' THEN 1 WHEN 'vehicle' THEN 2 ELSE 3 END,
         year_to - year_from, (powertrain = '*'), (protocol = '*')
       LIMIT 1`,
      [
        deviceAddress.toLowerCase(),
        v?.definitionId ?? "",
        v ? slug(v.make) : "",
        v ? slug(v.model) : "",
        v?.year ?? -1,
        powertrain,
        protocol,
      ],
    );
    const rule = rows[0];
    if (!rule) {
      throw new DeviceServiceNotFoundError(`No configuration template applies to device ${deviceAddress}.`, {
        details: `Vehicle ${v ? `${v.make} ${v.model} ${v.year}` : "(not paired)"}, ${powertrain}, ${protocol}: add a default rule.`,
      });
    }
    const template = (await this.getTemplate(String(rule.template)))!;
    const dbc = template.dbc ? (await this.#dbcDatabase(template.dbc, template.dbcSha256)).ref : undefined;
    const settingsName = template.settings ?? "default";
    const settings = await this.latest("settings", settingsName);
    if (!settings) throw new DeviceServiceNotFoundError(`Settings ${settingsName} do not exist.`);
    return {
      profile,
      template: template.name,
      via: String(rule.match) as TemplateRule["match"],
      pids: { name: template.name, version: template.version },
      dbc,
      settings: { name: settingsName, version: settings.version },
      powertrain,
      protocol,
    };
  }

  /** DIMO's `GET /v1/device-config/eth-addr/{address}/urls`, with absolute URLs under `baseUrl`. */
  async urls(address: string, baseUrl: string): Promise<DeviceConfigUrls> {
    const r = await this.resolve(address);
    const base = baseUrl.replace(/\/+$/, "");
    const url = (kind: DocumentKind, ref: DocumentRef) =>
      // Names are [A-Za-z0-9._-] and '@' is allowed in a path: DIMO's literal name@vX.Y.Z.
      `${base}/v1/device-config/${DOCUMENT_PATHS[kind]}/${versionedName(ref.name, ref.version)}`;
    return {
      pidUrl: url("pids", r.pids),
      ...(r.dbc && { dbcUrl: url("dbc", r.dbc) }),
      deviceSettingUrl: url("settings", r.settings),
    };
  }

  /** Every published version of a document, newest first. */
  async versions(kind: DocumentKind, name: string): Promise<string[]> {
    const rows = await this.sql.all(
      `SELECT version FROM device_config_documents WHERE kind = ? AND name = ?
       ORDER BY major DESC, minor DESC, patch DESC`,
      [kind, name],
    );
    return rows.map((r) => String(r.version)).sort((a, b) => compareVersions(b, a));
  }
}

function peekPinnedSha(pids: unknown): string | undefined {
  const dbc = (pids as { dbc?: { sha256?: unknown } } | null)?.dbc;
  return typeof dbc?.sha256 === "string" ? dbc.sha256.toLowerCase() : undefined;
}

function checkYears(from: number, to: number): void {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > 9999 || from > to) {
    throw new InvalidDeviceConfigError(`Year range ${from}–${to} is not valid.`, {
      details: "Years are integers 0–9999 with yearFrom ≤ yearTo.",
    });
  }
}

function normaliseRule(rule: TemplateRule): TemplateRule {
  if (!rule || typeof rule !== "object") throw new InvalidDeviceConfigError("A rule must be an object.");
  checkDocumentName("template", String(rule.template));
  switch (rule.match) {
    case "device":
      if (!isAddress(String(rule.device), { strict: false })) {
        throw new InvalidDeviceConfigError(`Rule device ${JSON.stringify(rule.device)} is not an address.`);
      }
      return { ...rule, device: getAddress(rule.device) };
    case "definition":
      if (typeof rule.definitionId !== "string" || !/^[A-Za-z0-9._:-]{1,200}$/.test(rule.definitionId)) {
        throw new InvalidDeviceConfigError(
          `Rule definitionId ${JSON.stringify(rule.definitionId)} is not valid.`,
        );
      }
      return rule;
    case "vehicle": {
      const make = slug(String(rule.make ?? ""));
      const model = slug(String(rule.model ?? ""));
      if (!make || !model) throw new InvalidDeviceConfigError("A vehicle rule needs a make and a model.");
      checkYears(rule.yearFrom, rule.yearTo);
      return { ...rule, make, model };
    }
    case "default":
      if (rule.powertrain !== "*" && !POWERTRAINS.includes(rule.powertrain)) {
        throw new InvalidDeviceConfigError(`Rule powertrain ${JSON.stringify(rule.powertrain)} is unknown.`, {
          details: `One of ${POWERTRAINS.join(", ")} or "*".`,
        });
      }
      if (rule.protocol !== "*" && !CAN_PROTOCOLS.includes(rule.protocol)) {
        throw new InvalidDeviceConfigError(`Rule protocol ${JSON.stringify(rule.protocol)} is unknown.`, {
          details: `One of ${CAN_PROTOCOLS.join(", ")} or "*".`,
        });
      }
      return rule;
    default:
      throw new InvalidDeviceConfigError(
        `Rule match ${JSON.stringify((rule as { match: unknown }).match)} is unknown.`,
        {
          details: 'One of "device", "definition", "vehicle", "default".',
        },
      );
  }
}

function ruleKey(rule: TemplateRule): string {
  switch (rule.match) {
    case "device":
      return rule.device.toLowerCase();
    case "definition":
      return rule.definitionId;
    case "vehicle":
      return `${rule.make}|${rule.model}|${rule.yearFrom}|${rule.yearTo}`;
    case "default":
      return `${rule.powertrain}|${rule.protocol}`;
  }
}

function toTemplate(row: Record<string, unknown>): ConfigTemplate {
  const opt = (v: unknown) => (v === null || v === undefined ? undefined : String(v));
  return {
    name: String(row.name),
    version: String(row.version),
    dbc: opt(row.dbc),
    settings: opt(row.settings),
    protocol: opt(row.protocol) as CanProtocol | undefined,
    powertrain: opt(row.powertrain) as Powertrain | undefined,
    dbcSha256: opt(row.dbc_sha256),
    updatedAt: Number(row.updated_at),
  };
}
