/**
 * Evidence behind an on-chain failure report: the device's health as the node assessed it,
 * with the thresholds it was judged by, kept as canonical JSON under its SHA-256. The report's
 * evidence URI names the hash, so anyone who fetches the document (GET
 * /v1/device-performance/evidence/<sha256>) can check it is the one reported — what an
 * arbitration of the report looks at.
 */
import type { SerialConnection } from "../../api/sql.ts";
import { canonicalJson, sha256Hex } from "../config/documents.ts";
import type { DeviceHealth, PerformanceThresholds } from "./model.ts";

export interface EvidenceDocument {
  type: "dimo-open.device-performance.evidence";
  version: 1;
  failure: "malfunction" | "disconnection";
  assessedAt: string;
  thresholds: PerformanceThresholds;
  health: DeviceHealth;
}

export class PerformanceEvidence {
  private constructor(
    private readonly sql: SerialConnection,
    private readonly baseUrl: string | undefined,
  ) {}

  /** `baseUrl`: the node's public URL, for evidence URIs anyone can fetch. */
  static async open(sql: SerialConnection, o: { baseUrl?: string } = {}): Promise<PerformanceEvidence> {
    await sql.run(`CREATE TABLE IF NOT EXISTS device_performance_evidence (
      sha256 VARCHAR PRIMARY KEY, device VARCHAR NOT NULL, failure VARCHAR NOT NULL, document VARCHAR NOT NULL,
      created_at BIGINT NOT NULL)`);
    return new PerformanceEvidence(sql, o.baseUrl?.replace(/\/+$/, ""));
  }

  /** Stores the document; returns the URI a report points to. */
  async record(document: EvidenceDocument): Promise<string> {
    const text = canonicalJson(document);
    const sha = `0x${sha256Hex(new TextEncoder().encode(text))}`;
    await this.sql.run("INSERT OR IGNORE INTO device_performance_evidence VALUES (?, ?, ?, ?, ?)", [
      sha,
      document.health.device,
      document.failure,
      text,
      Date.parse(document.assessedAt),
    ]);
    return this.baseUrl
      ? `${this.baseUrl}/v1/device-performance/evidence/${sha}`
      : `dimo-node:device-performance:evidence:${sha}`;
  }

  /** The document's exact text, or undefined. */
  async get(sha256: string): Promise<string | undefined> {
    const [row] = await this.sql.all("SELECT document FROM device_performance_evidence WHERE sha256 = ?", [
      sha256.toLowerCase(),
    ]);
    return row ? String(row.document) : undefined;
  }
}
