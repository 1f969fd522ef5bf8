/**
 * The HTTPS uplink: `POST <node>/v1/devices/<address>/events` with the codec's content type.
 * A 2xx (or 409, already stored) is the node's acknowledgement. Other 4xx answers are the
 * node refusing this very event (malformed, bad signature, unpaired device…): resending it
 * cannot help, so the error is permanent. 408, 425, 429, 5xx and network failures are
 * transient.
 *
 * A batch (`message.batch`) goes as one CloudEvents JSON batch. 200: all stored; 207: some
 * refused, named by their index in the answer's `results`: a refusal for good (any reason but
 * `overloaded`) is reported in the receipt, a transient one makes the whole send fail so that the
 * batch goes again (what was stored comes back a duplicate).
 */
import type { Address } from "viem";
import { UplinkError } from "../errors.ts";
import { codecByName } from "./codecs.ts";
import { type BatchReceipt, CLOUDEVENTS_BATCH, type Uplink, type UplinkMessage } from "./uplink.ts";

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

  async send(message: UplinkMessage): Promise<BatchReceipt | undefined> {
    const headers: Record<string, string> = {};
    if (message.batch) {
      headers["content-type"] = CLOUDEVENTS_BATCH;
    } else {
      const codec = codecByName(message.codec);
      headers["content-type"] = codec.contentType;
      if (codec.contentEncoding) headers["content-encoding"] = codec.contentEncoding;
    }
    const what = message.batch
      ? `batch ${message.id} (${message.batch.count} events)`
      : `event ${message.id}`;
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
      throw new UplinkError(`Sending ${what} to ${this.#endpoint} failed.`, { cause: error });
    }
    this.#set(true);
    const body = await response.text().catch(() => "");
    if (message.batch && response.status === 207) return batchReceipt(body, what);
    if (response.ok || response.status === 409) return message.batch ? { refused: [] } : undefined;
    const permanent = response.status >= 400 && response.status < 500 && !TRANSIENT.has(response.status);
    throw new UplinkError(`The node answered ${response.status} to ${what}.`, {
      permanent,
      details: body.slice(0, 500),
    });
  }

  async stop(): Promise<void> {
    this.#set(false);
  }
}

interface BatchResult {
  status?: string;
  reason?: string;
  message?: string;
  details?: string;
}

/** The refusals of a 207 answer; throws (transient) if one of them asks for the batch again. */
function batchReceipt(body: string, what: string): BatchReceipt {
  let results: BatchResult[];
  try {
    results = (JSON.parse(body) as { results: BatchResult[] }).results;
    if (!Array.isArray(results)) throw new TypeError("results is not an array");
  } catch (error) {
    // Without the per-event results the refused events are unknown: send again and read anew.
    throw new UplinkError(`The node's 207 answer to ${what} could not be read.`, {
      cause: error,
      details: body.slice(0, 500),
    });
  }
  const refused: BatchReceipt["refused"] = [];
  for (const [index, r] of results.entries()) {
    if (r.status === "accepted" || r.status === "duplicate") continue;
    const transient = r.status !== "rejected" || r.reason === "overloaded";
    if (transient) {
      throw new UplinkError(
        `The node could not take event ${index} of ${what} now (${r.reason ?? r.status}).`,
        {
          details: r.message ?? "",
        },
      );
    }
    refused.push({
      index,
      error: new UplinkError(`The node refused event ${index} of ${what}: ${r.reason}.`, {
        permanent: true,
        details: [r.reason, r.message, r.details].filter(Boolean).join(": "),
      }),
    });
  }
  return { refused };
}

const withSlash = (url: string) => (url.endsWith("/") ? url : `${url}/`);
