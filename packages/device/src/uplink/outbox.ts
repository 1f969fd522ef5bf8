/**
 * Where the agent's events start their way to the node: number (persisted sequence), sign
 * (v2, with the secure element), encode (the chosen codec), store (the buffer), and wake the
 * forwarder. Once `publish` returns, the event survives a restart.
 */
import { randomUUID } from "node:crypto";
import {
  type CodecName,
  type DeviceSigner,
  type EventType,
  signDeviceEvent,
  type UnsignedDeviceEvent,
} from "@dimo-open/stream";
import type { BufferedEvent, EventBuffer } from "../buffer/event-buffer.ts";
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
}

export class Outbox {
  readonly #o: OutboxOptions;
  identity: EventIdentity;

  constructor(options: OutboxOptions) {
    this.#o = options;
    this.identity = options.identity;
    codecByName(options.codec);
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
    const event = await signDeviceEvent(unsigned, o.signer);
    const codec = codecByName(o.codec);
    const stored = o.buffer.append({ id: event.id, type, codec: o.codec }, codec.encode(event));
    o.onAppended?.();
    return stored;
  }
}
