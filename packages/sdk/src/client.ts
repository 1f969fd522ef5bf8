import { PRIVILEGE_IDS, type PrivilegeId, privilegeFromName } from "@dimo-open/protocol";
import type { Coordinates } from "@dimo-open/signals";
import { type Address, getAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type GraphQLResult, graphql, request, type Transport } from "./http.ts";
import { buildLatestQuery, buildSignalsQuery, type SignalField, type SignalRow } from "./signals.ts";

/** Anything that signs EIP-191 messages: a viem account, a wallet client's account, a hardware signer. */
export interface MessageSigner {
  signMessage(p: { message: string }): Promise<Hex>;
}

export interface DimoClientOptions {
  /** The node's base URL, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  fetch?: typeof fetch;
}

export interface DeveloperSession {
  accessToken: string;
  idToken: string;
  expiresAt: Date;
}

export interface VehicleToken {
  token: string;
  tokenId: bigint;
  privileges: PrivilegeId[];
}

export type WebhookDefinition = {
  service: "signals" | "events";
  metricName: string;
  /** CEL over `value`, `previousValue`, `source`; `geoDistance(lat1, lon1, lat2, lon2)` in km. */
  condition: string;
  /** Seconds between two triggers for the same vehicle. */
  coolDownPeriod: number;
  targetURL: string;
  displayName?: string;
  description?: string;
  status?: "enabled" | "disabled";
};

export interface Webhook extends Required<Omit<WebhookDefinition, "status">> {
  id: string;
  status: "enabled" | "disabled" | "failed";
  failureCount: number;
  createdAt: string;
}

/**
 * An OTA release as the node reports it. `manifest` is the maker-signed firmware manifest
 * (docs/ota.md; its type and EIP-712 signing live with the node's and the device's firmware code).
 */
export interface FirmwareReleaseInfo<M = Record<string, unknown>> {
  /** The manifest's EIP-712 digest. */
  id: Hex;
  manufacturerId: string;
  manifest: M;
  signature: Hex;
  /** The maker key that signed the manifest. */
  signer: Address;
  /** `awaiting_image` until the image whose SHA-256 the manifest names is uploaded. */
  status: "awaiting_image" | "ready";
  /** Share of the maker's devices offered the release, 0–10,000 (100 % = 10,000). */
  basisPoints: number;
  halted: boolean;
  /** `issuedAt` (Unix seconds) of the last rollout order applied. */
  lastOrderAt?: number;
  /** Unix ms. */
  createdAt: number;
}

export interface LatestValue {
  timestamp: string;
  value: number | string | Coordinates;
}

/**
 * A typed client for a DIMO-compatible node: developer sign-in with a licence signer, vehicle
 * token exchange, identity and telemetry GraphQL (with typed `signals` / `signalsLatest`),
 * webhooks, credits and the owners' access log.
 */
export class DimoClient {
  private readonly t: Transport;
  /** The developer (or wallet) access token from the last `signIn`. */
  developerToken: string | undefined;

  constructor(options: DimoClientOptions) {
    this.t = { baseUrl: options.baseUrl, fetch: options.fetch ?? globalThis.fetch.bind(globalThis) };
  }

  private developer(): string {
    if (!this.developerToken) throw new Error("Sign in first: call signIn({ clientId, domain, signer }).");
    return this.developerToken;
  }

  /**
   * Sign-in as DIMO's auth: fetch the EIP-4361 challenge for the licence's client id and one of its
   * redirect URIs, sign it with an enabled signer (a private key or any MessageSigner), submit it.
   */
  async signIn(p: {
    clientId: Address;
    domain: string;
    signer: MessageSigner | Hex;
  }): Promise<DeveloperSession> {
    const signer = typeof p.signer === "string" ? privateKeyToAccount(p.signer) : p.signer;
    const clientId = getAddress(p.clientId);
    const challenge = await request<{ state: string; challenge: string }>(
      this.t,
      "POST",
      "auth/web3/generate_challenge",
      {
        query: {
          client_id: clientId,
          domain: p.domain,
          scope: "openid email",
          response_type: "code",
          address: clientId,
        },
      },
    );
    const signature = await signer.signMessage({ message: challenge.challenge });
    const tokens = await request<{ access_token: string; id_token: string; expires_in: number }>(
      this.t,
      "POST",
      "auth/web3/submit_challenge",
      {
        form: {
          client_id: clientId,
          domain: p.domain,
          grant_type: "authorization_code",
          state: challenge.state,
          signature,
        },
      },
    );
    this.developerToken = tokens.access_token;
    return {
      accessToken: tokens.access_token,
      idToken: tokens.id_token,
      expiresAt: new Date(Date.now() + tokens.expires_in * 1000),
    };
  }

  /** A vehicle token for privileges the licence's grant holds now (ids or `privilege:Name`s). */
  async exchange(p: {
    tokenId: bigint | number;
    privileges: readonly (PrivilegeId | string)[];
  }): Promise<VehicleToken> {
    const privileges = p.privileges.map((x) =>
      typeof x === "number" ? x : privilegeFromName(x),
    ) as PrivilegeId[];
    const { token } = await request<{ token: string }>(this.t, "POST", "v1/tokens/exchange", {
      token: this.developer(),
      json: { nftContractAddress: await this.vehicleContract(), privileges, tokenId: Number(p.tokenId) },
    });
    return { token, tokenId: BigInt(p.tokenId), privileges };
  }

  /**
   * The owner's own vehicle token: after `signIn` with the owner's wallet as `clientId` (and its
   * key as `signer`), a token for a vehicle that wallet owns — every privilege unless told
   * otherwise. The node checks ownership on chain; its queries cost the owner no credits.
   */
  ownerToken(p: {
    tokenId: bigint | number;
    privileges?: readonly (PrivilegeId | string)[];
  }): Promise<VehicleToken> {
    return this.exchange({ tokenId: p.tokenId, privileges: p.privileges ?? PRIVILEGE_IDS });
  }

  private contract: Address | undefined;
  /** The node's vehicle registry, read once from a token the exchange is about to need. */
  private async vehicleContract(): Promise<Address> {
    if (!this.contract) {
      const info = await request<{ vehicleContract: Address }>(this.t, "GET", "v1/node");
      this.contract = info.vehicleContract;
    }
    return this.contract;
  }

  identity<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>> {
    return graphql<T>(this.t, "identity/query", query, variables);
  }

  telemetry<T>(
    vehicle: VehicleToken | string,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResult<T>> {
    return graphql<T>(this.t, "telemetry/query", query, variables, { token: tokenOf(vehicle) });
  }

  /** What a telemetry query would cost (complexity and credits), without running or paying for it. */
  async estimateCost(vehicle: VehicleToken | string, query: string, variables?: Record<string, unknown>) {
    const r = (await graphql<unknown>(this.t, "telemetry/query", query, variables, {
      token: tokenOf(vehicle),
      headers: { "x-estimate-cost": "true" },
    })) as unknown as {
      extensions: { cost: { complexity: number; maxComplexity: number; credits: number } };
    };
    return r.extensions.cost;
  }

  /** Aggregated signals per bucket, typed by the fields asked for. Field refusals come back in `errors`. */
  async signals<F extends Record<string, SignalField>>(
    vehicle: VehicleToken | string,
    p: { tokenId: bigint | number; interval: string; from: Date; to: Date; fields: F },
  ): Promise<{ rows: SignalRow<F>[]; errors: GraphQLResult<unknown>["errors"] }> {
    const { query, filters } = buildSignalsQuery(p.fields);
    const r = await this.telemetry<{ signals: SignalRow<F>[] | null }>(vehicle, query, {
      tokenId: Number(p.tokenId),
      interval: p.interval,
      from: p.from.toISOString(),
      to: p.to.toISOString(),
      ...filters,
    });
    return { rows: r.data?.signals ?? [], errors: r.errors };
  }

  /** The latest value of each named signal. */
  async latestSignals<const N extends string>(
    vehicle: VehicleToken | string,
    p: { tokenId: bigint | number; signals: readonly N[] },
  ): Promise<{
    lastSeen: string | null;
    values: Record<N, LatestValue | null>;
    errors: GraphQLResult<unknown>["errors"];
  }> {
    const r = await this.telemetry<{
      signalsLatest: ({ lastSeen: string | null } & Record<N, LatestValue | null>) | null;
    }>(vehicle, buildLatestQuery(p.signals), { tokenId: Number(p.tokenId) });
    const latest = r.data?.signalsLatest;
    const values = {} as Record<N, LatestValue | null>;
    for (const n of p.signals) values[n] = latest?.[n] ?? null;
    return { lastSeen: latest?.lastSeen ?? null, values, errors: r.errors };
  }

  // ---------------------------------------------------------------- webhooks

  /** Creates a webhook; the node verifies `targetURL` echoes `verificationToken`. Keep the returned secret. */
  createWebhook(p: WebhookDefinition & { verificationToken: string }) {
    return request<{ id: string; secret: string; webhook: Webhook }>(this.t, "POST", "v1/webhooks", {
      token: this.developer(),
      json: { status: "enabled", ...p },
    });
  }
  listWebhooks() {
    return request<Webhook[]>(this.t, "GET", "v1/webhooks", { token: this.developer() });
  }
  updateWebhook(id: string, p: Partial<WebhookDefinition> & { verificationToken?: string }) {
    return request<{ webhook: Webhook }>(this.t, "PUT", `v1/webhooks/${encodeURIComponent(id)}`, {
      token: this.developer(),
      json: p,
    });
  }
  deleteWebhook(id: string) {
    return request<{ message: string }>(this.t, "DELETE", `v1/webhooks/${encodeURIComponent(id)}`, {
      token: this.developer(),
    });
  }
  subscribeVehicle(id: string, vehicle: bigint | number | string) {
    return request<{ message: string }>(
      this.t,
      "POST",
      `v1/webhooks/${encodeURIComponent(id)}/subscribe/${vehicle}`,
      {
        token: this.developer(),
      },
    );
  }
  unsubscribeVehicle(id: string, vehicle: bigint | number | string) {
    return request<{ message: string }>(
      this.t,
      "DELETE",
      `v1/webhooks/${encodeURIComponent(id)}/unsubscribe/${vehicle}`,
      {
        token: this.developer(),
      },
    );
  }
  subscribedVehicles(id: string) {
    return request<string[]>(this.t, "GET", `v1/webhooks/${encodeURIComponent(id)}`, {
      token: this.developer(),
    });
  }

  // ---------------------------------------------------------------- credits and access log

  prices() {
    return request<Record<string, number | string>>(this.t, "GET", "v1/credits/prices");
  }
  balance() {
    return request<{ licenseId: string; balance: number }>(this.t, "GET", "v1/credits/balance", {
      token: this.developer(),
    });
  }
  usage(p: { from?: Date; to?: Date } = {}) {
    return request<{
      totalCredits: number;
      balance: number;
      vehicles: { vehicleId: string; operation: string; requests: number; credits: number }[];
    }>(this.t, "GET", "v1/credits/usage", {
      token: this.developer(),
      query: {
        ...(p.from ? { from: p.from.toISOString() } : {}),
        ...(p.to ? { to: p.to.toISOString() } : {}),
      },
    });
  }

  // ---------------------------------------------------------------- firmware (OTA) releases
  // Makers' documents carry their own signatures: these calls need no session.

  /** Registers a release from its maker-signed manifest; it waits for its image, rolled out to nobody. */
  publishFirmwareRelease<M>(p: { manufacturerId: bigint | number; manifest: M; signature: Hex }) {
    return request<FirmwareReleaseInfo<M>>(this.t, "POST", "v1/firmware/releases", {
      json: { manufacturerId: p.manufacturerId.toString(), manifest: p.manifest, signature: p.signature },
    });
  }

  /** Uploads a release's image; the node refuses it unless its size and SHA-256 are the manifest's. */
  uploadFirmwareImage(releaseId: Hex, image: Uint8Array) {
    return request<FirmwareReleaseInfo>(this.t, "PUT", `v1/firmware/releases/${releaseId}/image`, {
      bytes: image,
    });
  }

  /** Applies a maker-signed rollout order (the share of devices offered the release, or a halt). */
  orderFirmwareRollout<O>(releaseId: Hex, signed: { order: O; signature: Hex }) {
    return request<FirmwareReleaseInfo>(this.t, "POST", `v1/firmware/releases/${releaseId}/rollout`, {
      json: signed,
    });
  }

  /** A maker's releases, newest first. */
  firmwareReleases(manufacturerId: bigint | number) {
    return request<FirmwareReleaseInfo[]>(this.t, "GET", "v1/firmware/releases", {
      query: { manufacturerId: manufacturerId.toString() },
    });
  }

  firmwareRelease(releaseId: Hex) {
    return request<FirmwareReleaseInfo>(this.t, "GET", `v1/firmware/releases/${releaseId}`);
  }

  /** For vehicle owners (signed in with their wallet): who read what about their vehicle, and when. */
  accessLog(tokenId: bigint | number, p: { before?: Date; limit?: number } = {}) {
    return request<{
      entries: {
        at: string;
        grantee: Address;
        developerLicenseId: string;
        operation: string;
        fields: string[];
        outcome: string;
      }[];
    }>(this.t, "GET", `v1/vehicles/${tokenId}/access-log`, {
      token: this.developer(),
      query: {
        ...(p.before ? { before: p.before.toISOString() } : {}),
        ...(p.limit ? { limit: String(p.limit) } : {}),
      },
    });
  }
}

function tokenOf(vehicle: VehicleToken | string): string {
  return typeof vehicle === "string" ? vehicle : vehicle.token;
}
