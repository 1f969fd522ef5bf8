/**
 * The device's configuration: fetched from the node, checked, kept on disk, and applied as a
 * whole. A document is fetched only when its versioned name changes; a configuration that does
 * not check out (bad JSON, a DBC without the messages the logger config names, thresholds out
 * of order) is refused and the previous one stays in force. The applied versions go into the
 * device's status events so the node can see what each device runs.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Database, decodeDbcBytes, type LoggerConfig, LoggerPipeline, parseDbc } from "@dimo-open/can";
import { isKnownSignal } from "@dimo-open/signals";
import { DeviceConfigError } from "../errors.ts";
import { type PowerSettings, powerSettingsFromDocument } from "../power/settings.ts";
import type { DeviceConfigClient, DeviceConfigUrls } from "./config-client.ts";
import { loggerConfigFromPidDocument } from "./pid-document.ts";
import { parseVersionedUrl, type VersionedRef } from "./versioned-url.ts";

export interface ConfigVersions {
  pid: string;
  dbc?: string;
  deviceSetting: string;
}

export interface DeviceConfiguration {
  versions: ConfigVersions;
  logger: LoggerConfig;
  database: Database | undefined;
  power: PowerSettings;
}

export interface RefreshResult {
  configuration: DeviceConfiguration;
  /** True when the versions differ from what was applied before. */
  changed: boolean;
  /** Versioned names fetched over the network this time (the others came from the disk cache). */
  fetched: string[];
}

const APPLIED = "applied.json";

export class DeviceConfigStore {
  readonly dir: string;
  readonly #client: DeviceConfigClient | undefined;
  #applied: DeviceConfiguration | undefined;

  constructor(options: { dir: string; client?: DeviceConfigClient }) {
    this.dir = options.dir;
    this.#client = options.client;
    mkdirSync(options.dir, { recursive: true });
  }

  get applied(): DeviceConfiguration | undefined {
    return this.#applied;
  }

  /** The configuration applied before the last restart, from the disk cache (no network). */
  load(): DeviceConfiguration | undefined {
    let versions: ConfigVersions;
    try {
      versions = JSON.parse(readFileSync(join(this.dir, APPLIED), "utf8")) as ConfigVersions;
    } catch {
      return undefined;
    }
    try {
      this.#applied = this.#build(versions, (name) => readFileSync(this.#path(name)));
    } catch {
      // A cache that no longer checks out (a document lost, a newer agent's stricter checks):
      // start without it and fetch again.
      return undefined;
    }
    return this.#applied;
  }

  /** Asks the node for the current URLs; fetches what changed; applies it if it checks out. */
  async refresh(): Promise<RefreshResult> {
    if (!this.#client) throw new DeviceConfigError("No node to fetch the configuration from.");
    const urls: DeviceConfigUrls = await this.#client.getUrls();
    const base = this.#client.nodeUrl;
    const refs: { pid: VersionedRef; dbc?: VersionedRef; deviceSetting: VersionedRef } = {
      pid: parseVersionedUrl(urls.pidUrl, base),
      deviceSetting: parseVersionedUrl(urls.deviceSettingUrl, base),
      ...(urls.dbcUrl ? { dbc: parseVersionedUrl(urls.dbcUrl, base) } : {}),
    };
    const versions: ConfigVersions = {
      pid: `pid:${refs.pid.versionedName}`,
      deviceSetting: `settings:${refs.deviceSetting.versionedName}`,
      ...(refs.dbc ? { dbc: `dbc:${refs.dbc.versionedName}` } : {}),
    };
    const previous = this.#applied?.versions;
    const changed = JSON.stringify(previous) !== JSON.stringify(versions);
    if (!changed && this.#applied) return { configuration: this.#applied, changed: false, fetched: [] };

    const fetched: string[] = [];
    const documents = new Map<string, Uint8Array>();
    for (const [key, ref] of [
      [versions.pid, refs.pid],
      [versions.deviceSetting, refs.deviceSetting],
      ...(refs.dbc && versions.dbc ? [[versions.dbc, refs.dbc] as const] : []),
    ] as const) {
      let bytes: Uint8Array | undefined;
      try {
        bytes = readFileSync(this.#path(key));
      } catch {
        bytes = await this.#client.fetchDocument(ref.url);
        fetched.push(key);
      }
      documents.set(key, bytes);
    }
    // Check the whole configuration before anything is kept or applied.
    const configuration = this.#build(versions, (name) => documents.get(name)!);
    for (const name of fetched) writeAtomically(this.#path(name), documents.get(name)!);
    writeAtomically(join(this.dir, APPLIED), Buffer.from(JSON.stringify(versions)));
    this.#applied = configuration;
    return { configuration, changed: true, fetched };
  }

  #path(versioned: string): string {
    return join(this.dir, `${versioned.replace(/[^A-Za-z0-9@._-]/g, "_")}.doc`);
  }

  #build(versions: ConfigVersions, read: (name: string) => Uint8Array): DeviceConfiguration {
    const json = (name: string): unknown => {
      try {
        return JSON.parse(new TextDecoder().decode(read(name)));
      } catch (error) {
        throw new DeviceConfigError(`Configuration document ${name} is not JSON.`, { cause: error });
      }
    };
    const logger = loggerConfigFromPidDocument(json(versions.pid));
    const unknown = logger.signals.map((s) => s.name).filter((n) => !isKnownSignal(n));
    if (unknown.length > 0) {
      throw new DeviceConfigError(
        `The logger configuration maps to signals the catalogue does not have: ${unknown.join(", ")}.`,
        {
          details: "A node drops unknown signals; use catalogue names (docs/signals.md).",
        },
      );
    }
    const power = powerSettingsFromDocument(json(versions.deviceSetting));
    let database: Database | undefined;
    if (versions.dbc) {
      const bytes = read(versions.dbc);
      const expected = logger.dbc?.sha256;
      const actual = createHash("sha256").update(bytes).digest("hex");
      if (expected && expected !== actual) {
        throw new DeviceConfigError(
          `The DBC ${versions.dbc} is not the one the logger configuration was written for.`,
          {
            details: `sha256 ${actual}, expected ${expected}.`,
          },
        );
      }
      const file = logger.dbc?.name ?? `${versions.dbc.split(":")[1]!.split("@")[0]}.dbc`;
      database = parseDbc(decodeDbcBytes(bytes), { file });
    }
    // Building a pipeline checks every DBC reference and unit of the logger configuration.
    new LoggerPipeline(logger, database ? { database } : {});
    return { versions, logger, database, power };
  }
}

function writeAtomically(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}
