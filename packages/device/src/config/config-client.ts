/**
 * The small HTTP client for the node's device configuration service:
 * `GET /v1/device-config/eth-addr/{address}/urls` → `{pidUrl, dbcUrl, deviceSettingUrl}`
 * (DIMO's shape), then the documents those URLs name. Every answer is bounded in size and time.
 */
import type { Address } from "viem";
import { z } from "zod";
import { DeviceConfigError } from "../errors.ts";

export interface DeviceConfigUrls {
  pidUrl: string;
  /** Absent when the vehicle needs no DBC (OBD-II only). */
  dbcUrl?: string;
  deviceSettingUrl: string;
}

const UrlsSchema = z.object({
  pidUrl: z.string().min(1).max(2048),
  dbcUrl: z.string().max(2048).optional(),
  deviceSettingUrl: z.string().min(1).max(2048),
});

export interface DeviceConfigClientOptions {
  /** The node's base URL. */
  nodeUrl: string;
  deviceAddress: Address;
  timeoutMs?: number;
  /** Largest document accepted (DBCs of whole vehicles run to a few hundred KiB). Default 4 MiB. */
  maxDocumentBytes?: number;
  fetch?: typeof fetch;
}

export class DeviceConfigClient {
  readonly #o: DeviceConfigClientOptions;
  readonly nodeUrl: string;

  constructor(options: DeviceConfigClientOptions) {
    this.#o = options;
    this.nodeUrl = options.nodeUrl.endsWith("/") ? options.nodeUrl : `${options.nodeUrl}/`;
  }

  async getUrls(): Promise<DeviceConfigUrls> {
    const url = new URL(`v1/device-config/eth-addr/${this.#o.deviceAddress}/urls`, this.nodeUrl).toString();
    const bytes = await this.fetchDocument(url, 64 * 1024);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw new DeviceConfigError(`${url} did not answer JSON.`, { cause: error });
    }
    const parsed = UrlsSchema.safeParse(json);
    if (!parsed.success) {
      throw new DeviceConfigError(`${url} answered an unexpected shape.`, {
        details: `Expected {pidUrl, dbcUrl?, deviceSettingUrl}: ${parsed.error.issues[0]!.path.join(".")} ${parsed.error.issues[0]!.message}.`,
      });
    }
    const { dbcUrl, ...rest } = parsed.data;
    return dbcUrl ? { ...rest, dbcUrl } : rest;
  }

  /** Fetches one document (URLs relative to the node are resolved against it). */
  async fetchDocument(
    url: string,
    maxBytes = this.#o.maxDocumentBytes ?? 4 * 1024 * 1024,
  ): Promise<Uint8Array> {
    const target = new URL(url, this.nodeUrl).toString();
    let response: Response;
    try {
      response = await (this.#o.fetch ?? fetch)(target, {
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 15_000),
        headers: { accept: "application/json, text/plain;q=0.9, */*;q=0.5" },
      });
    } catch (error) {
      throw new DeviceConfigError(`Fetching ${target} failed.`, { cause: error });
    }
    if (!response.ok) {
      const body = await response.text().catch(() => "");
      throw new DeviceConfigError(`${target} answered ${response.status}.`, { details: body.slice(0, 300) });
    }
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw new DeviceConfigError(`${target} is ${declared} bytes, more than the ${maxBytes} accepted.`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of (response.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > maxBytes) {
        throw new DeviceConfigError(`${target} is larger than the ${maxBytes} bytes accepted.`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }
}
