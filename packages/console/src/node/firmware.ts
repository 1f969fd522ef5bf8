/**
 * The node's OTA service as a maker uses it: publish a signed release, upload its image, send
 * signed rollout orders, and follow releases. The signatures are the authorisation (the node
 * checks them against the manufacturer's on-chain owner and listed firmware keys).
 */
import { DimoApiError } from "@dimo-open/sdk";
import type { Hex } from "viem";
import type { FirmwareManifest, FirmwareRollout } from "../data/firmware.ts";

export interface FirmwareRelease {
  id: Hex;
  manufacturerId: string;
  manifest: FirmwareManifest;
  signature: Hex;
  signer: string;
  status: "awaiting_image" | "ready";
  basisPoints: number;
  halted: boolean;
  lastOrderAt?: number;
  createdAt: number;
}

async function call<T>(fetchFn: typeof fetch, url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetchFn(url, { ...init, headers: { accept: "application/json", ...init.headers } });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!response.ok) {
    const e = (body ?? {}) as { error?: string; message?: string; details?: string };
    throw new DimoApiError(
      response.status,
      e.error ?? "http_error",
      [e.message ?? `${init.method ?? "GET"} ${new URL(url).pathname} answered ${response.status}`, e.details]
        .filter(Boolean)
        .join(" "),
      body,
    );
  }
  return body as T;
}

export class FirmwareService {
  constructor(
    private readonly nodeUrl: string,
    private readonly fetchFn: typeof fetch = globalThis.fetch.bind(globalThis),
  ) {}

  /** The maker's releases, newest first. */
  list(manufacturerId: bigint): Promise<FirmwareRelease[]> {
    return call(this.fetchFn, `${this.nodeUrl}/v1/firmware/releases?manufacturerId=${manufacturerId}`);
  }

  get(id: Hex): Promise<FirmwareRelease> {
    return call(this.fetchFn, `${this.nodeUrl}/v1/firmware/releases/${id}`);
  }

  publish(p: {
    manufacturerId: bigint;
    manifest: FirmwareManifest;
    signature: Hex;
  }): Promise<FirmwareRelease> {
    return call(this.fetchFn, `${this.nodeUrl}/v1/firmware/releases`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        manufacturerId: p.manufacturerId.toString(),
        manifest: p.manifest,
        signature: p.signature,
      }),
    });
  }

  uploadImage(id: Hex, image: Blob | Uint8Array): Promise<FirmwareRelease> {
    return call(this.fetchFn, `${this.nodeUrl}/v1/firmware/releases/${id}/image`, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: image as BodyInit,
    });
  }

  rollout(id: Hex, p: { order: FirmwareRollout; signature: Hex }): Promise<FirmwareRelease> {
    return call(this.fetchFn, `${this.nodeUrl}/v1/firmware/releases/${id}/rollout`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(p),
    });
  }
}
