/**
 * Where the agent's events start their way to the node: number (persisted sequence), sign
 * (v2, with the secure element), encode (the chosen codec), store (the buffer), and wake the
 * forwarder. Once `publish` returns, the event survives a restart.
 *
 * With `batch` on, `publish` numbers and validates the event and stores it unsigned (JSON); the
 * forwarder later hands the oldest of them to `seal`, which signs them together with one "2b"
 * signature (one secure-element operation) and stores the signed batch in their place before
 * anything is sent, so that every resend is the same bytes.
 */
import { randomUUID } from "node:crypto";
import {
  type CodecName,
  DEFAULT_LIMITS,
  type DeviceSigner,
  type EventType,
  MAX_SIGNED_BATCH,
  signDeviceEvent,
  signDeviceEventBatch,
  type UnsignedDeviceEvent,
  validateCloudEvent,
} from "@dimo-open/stream";
import { getAddress } from "viem";
import type { BufferedEvent, EventBuffer } from "../buffer/event-buffer.ts";
import { DeviceError } from "../errors.ts";
import { codecByName } from "./codecs.ts";
import type { PersistentSequence } from "./sequence-store.ts";

export interface EventIdentity {
  /** The data provider: by default the device address. */
  source: string;
  /** The device's DID (did:erc721:<chain>:<devices contract>:<token id>). */
  producer: string;
  /** The vehicle's DID. */
  subject: string;
}

export interface OutboxOptions {
  signer: DeviceSigner;
  sequence: PersistentSequence;
  buffer: EventBuffer;
  codec: CodecName;
  identity: EventIdentity;
  /** Told after each append (the forwarder's kick). */
  onAppended?: () => void;
  /** The device clock (ms). */
  now?: () => number;
  /** Event ids (default random UUIDs; the simulator passes deterministic ones). */
  newId?: () => string;
  /** Payload version label (DIMO's dataversion). */
  dataversion?: string;
  /**
   * Store events unsigned, to be sealed into "2b" batches by the forwarder (`seal`). Batches are
   * CloudEvents JSON: the codec must be json.
   */
  batch?: boolean;
}

/** A seal: the signed batch stored in place of its events (absent if none could be read). */
export interface SealedBatch {
  batch: BufferedEvent | undefined;
  /** Stored events that are not valid events any more (e.g. written by another firmware), dropped. */
  invalid: { id: string; error: Error }[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Outbox {
  readonly #o: OutboxOptions;
  identity: EventIdentity;

  constructor(options: OutboxOptions) {
    this.#o = options;
    this.identity = options.identity;
    codecByName(options.codec);
    if (options.batch && options.codec !== "json") {
      throw new DeviceError(`Batches are CloudEvents JSON; the ${options.codec} codec cannot carry them.`, {
        details: 'Use codec "json" with batches, or turn batches off to send one event per message.',
      });
    }
  }

  async publish<T extends EventType>(type: T, data: UnsignedDeviceEvent<T>["data"]): Promise<BufferedEvent> {
    const o = this.#o;
    const unsigned = {
      specversion: "1.0",
      id: o.newId?.() ?? randomUUID(),
      source: this.identity.source,
      producer: this.identity.producer,
      subject: this.identity.subject,
      time: new Date(o.now?.() ?? Date.now()).toISOString(),
      type,
      datacontenttype: "application/json",
      ...(o.dataversion !== undefined && { dataversion: o.dataversion }),
      dimosequence: o.sequence.next(),
      data,
    } as UnsignedDeviceEvent<T>;
    if (o.batch) {
      // Refused now, as signing would refuse it, rather than when its batch is sealed.
      validateCloudEvent(asBatchMember(unsigned, o.signer.address), DEFAULT_LIMITS);
      const stored = o.buffer.append(
        { id: unsigned.id, type, codec: "json", unsigned: true },
        encoder.encode(JSON.stringify({ ...unsigned, dimosequence: String(unsigned.dimosequence) })),
      );
      o.onAppended?.();
      return stored;
    }
    const event = await signDeviceEvent(unsigned, o.signer);
    const codec = codecByName(o.codec);
    const stored = o.buffer.append({ id: event.id, type, codec: o.codec }, codec.encode(event));
    o.onAppended?.();
    return stored;
  }

  /**
   * Signs the unsigned events `members` (oldest first, as the buffer gave them) with one "2b"
   * signature and stores the batch in their place. A batch must fit one buffer record: if it does
   * not, its first half is sealed instead (the rest waits for the next batch).
   */
  async seal(members: readonly BufferedEvent[]): Promise<SealedBatch> {
    const o = this.#o;
    const invalid: SealedBatch["invalid"] = [];
    const readable: { key: number; size: number; event: UnsignedDeviceEvent }[] = [];
    for (const m of members.slice(0, MAX_SIGNED_BATCH)) {
      try {
        const event = JSON.parse(decoder.decode(m.bytes)) as UnsignedDeviceEvent;
        validateCloudEvent(asBatchMember(event, o.signer.address), DEFAULT_LIMITS);
        readable.push({ key: m.key, size: m.bytes.length, event });
      } catch (error) {
        // It can never be signed: drop it as the node would refuse it, rather than block the rest.
        o.buffer.ack(m.key);
        invalid.push({ id: m.id, error: error as Error });
      }
    }
    // What signing adds to each event (version, signer, signature, the proof's hashes) is known
    // ahead: cut the batch to fit a record before signing, so one signature is enough.
    let take = readable;
    const room = o.buffer.maxPayloadBytes;
    while (take.length > 1 && estimatedBatchBytes(take.map((r) => r.size)) > room)
      take = take.slice(0, Math.ceil(take.length / 2));
    while (take.length > 0) {
      const signed = await signDeviceEventBatch(
        take.map((r) => r.event),
        o.signer,
      );
      const bytes = encoder.encode(`[${signed.map((e) => JSON.stringify(e)).join(",")}]`);
      if (bytes.length <= o.buffer.maxPayloadBytes || take.length === 1) {
        const batch = o.buffer.appendBatch(
          { id: take[0]!.event.id, type: "dimo.status", codec: "json" },
          bytes,
          take.map((r) => r.key),
        );
        return { batch, invalid };
      }
      take = take.slice(0, Math.ceil(take.length / 2));
    }
    return { batch: undefined, invalid };
  }
}

/** An upper bound of a signed batch's bytes, from its unsigned events' sizes. */
function estimatedBatchBytes(sizes: readonly number[]): number {
  const proofHashes = Math.ceil(Math.log2(Math.max(sizes.length, 1)));
  // "dimosigversion":"2b","dimosigner":"0x…40","signature":"0x…130","dimoproof":"0x…"
  const perEvent = 260 + 64 * proofHashes;
  return sizes.reduce((n, size) => n + size + perEvent + 1, 2);
}

/** The event as it will be signed in a batch, for validating it before it is. */
function asBatchMember(event: UnsignedDeviceEvent, signer: string): Record<string, unknown> {
  return {
    ...event,
    dimosigversion: "2b",
    dimosequence: String(event.dimosequence),
    dimosigner: getAddress(signer),
    dimoproof: "0x",
  };
}
