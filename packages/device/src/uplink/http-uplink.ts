/**
 * The HTTPS uplink: `POST <node>/v1/devices/<address>/events` with the codec's content type.
 * A 2xx (or 409, already stored) is the node's acknowledgement. Other 4xx answers are the
 * node refusing this very event (malformed, bad signature, unpaired device…): resending it
 * cannot help, so the error is permanent. 408, 425, 429, 5xx and network failures are
 * transient.
 */
import type { Address } from "viem";
import { UplinkError } from "../errors.ts";
import { codecByName } from "./codecs.ts";
import type { Uplink, UplinkMessage } from "./uplink.ts";

export interface HttpUplinkOptions {
  /** The node's base URL, e.g. https://node.example. */
  url: string;
  deviceAddress: Address;
  /** Per-request timeout. Default 15 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const TRANSIENT = new Set([408, 425, 429]);

export class HttpUplink implements Uplink {
  readonly kind = "http" as const;
  readonly #endpoint: string;
  readonly #options: HttpUplinkOptions;
  #connected = false;
  readonly #listeners = new Set<(connected: boolean) => void>();

  constructor(options: HttpUplinkOptions) {
    this.#options = options;
    this.#endpoint = new URL(`v1/devices/${options.deviceAddress}/events`, withSlash(options.url)).toString();
  }

  get connected(): boolean {
    return this.#connected;
  }

  async start(): Promise<void> {
    this.#set(true);
  }

  #set(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    for (const l of this.#listeners) l(connected);
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async send(message: UplinkMessage): Promise<void> {
    const codec = codecByName(message.codec);
    const headers: Record<string, string> = { "content-type": codec.contentType };
    if (codec.contentEncoding) headers["content-encoding"] = codec.contentEncoding;
    let response: Response;
    try {
      response = await (this.#options.fetch ?? fetch)(this.#endpoint, {
        method: "POST",
        headers,
        body: message.bytes.slice(),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 15_000),
      });
    } catch (error) {
      // The link is down until a later send gets through; the forwarder backs off meanwhile.
      this.#set(false);
      throw new UplinkError(`Sending event ${message.id} to ${this.#endpoint} failed.`, { cause: error });
    }
    this.#set(true);
    const body = await response.text().catch(() => "");
    if (response.ok || response.status === 409) return;
    const permanent = response.status >= 400 && response.status < 500 && !TRANSIENT.has(response.status);
    throw new UplinkError(`The node answered ${response.status} to event ${message.id}.`, {
      permanent,
      details: body.slice(0, 500),
    });
  }

  async stop(): Promise<void> {
    this.#set(false);
  }
}

const withSlash = (url: string) => (url.endsWith("/") ? url : `${url}/`);
