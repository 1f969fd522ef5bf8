/**
 * The node's device-performance service: per maker and per model aggregates (public, so buyers
 * can compare makers), and one device's health (for its owner, its maker and the operator).
 */
import { DimoApiError } from "@dimo-open/sdk";

export type DeviceStatus = "new" | "healthy" | "offline" | "malfunction" | "disconnected";
export const DEVICE_STATUSES: readonly DeviceStatus[] = [
  "new",
  "healthy",
  "offline",
  "malfunction",
  "disconnected",
];

export interface GroupPerformance {
  devices: number;
  byStatus: Record<DeviceStatus, number>;
  /** Mean share of time reachable, 0–1. */
  uptime: number;
  messagesPerHour: number;
  meanLagMs: number | undefined;
  signatureFailures: number;
  garbage: number;
  clockRejections: number;
  droppedSamples: number;
  sequenceGaps: number;
  outages: number;
  problems: Record<string, number>;
}

export interface DeviceHealth {
  device: string;
  deviceId: string | undefined;
  modelId: string | undefined;
  status: DeviceStatus;
  problems: { kind: string; since: number }[];
  firstSeenAt: number;
  lastSeenAt: number;
  uptime: number;
  messagesPerHour: number;
  freshness: { meanLagMs: number | undefined; clockOffsetMs: number | undefined; silentForMs: number };
}

async function get<T>(fetchFn: typeof fetch, url: string, token?: string): Promise<T> {
  const response = await fetchFn(url, {
    headers: { accept: "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const body = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
  if (!response.ok)
    throw new DimoApiError(
      response.status,
      body.error ?? "http_error",
      body.message ?? `${url} answered ${response.status}`,
      body,
    );
  return body as T;
}

export class PerformanceService {
  constructor(
    private readonly nodeUrl: string,
    private readonly fetchFn: typeof fetch = globalThis.fetch.bind(globalThis),
  ) {}

  manufacturer(id: bigint): Promise<GroupPerformance> {
    return get(this.fetchFn, `${this.nodeUrl}/v1/device-performance/manufacturers/${id}`);
  }

  model(id: bigint): Promise<GroupPerformance> {
    return get(this.fetchFn, `${this.nodeUrl}/v1/device-performance/models/${id}`);
  }

  /** One device's health; `token` is the maker's or the owner's sign-in token. Undefined when never heard from. */
  async device(id: bigint, token: string): Promise<DeviceHealth | undefined> {
    try {
      return await get<DeviceHealth>(
        this.fetchFn,
        `${this.nodeUrl}/v1/device-performance/devices/${id}`,
        token,
      );
    } catch (error) {
      if (error instanceof DimoApiError && error.status === 404) return undefined;
      throw error;
    }
  }
}
