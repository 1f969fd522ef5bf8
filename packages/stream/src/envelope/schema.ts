/**
 * The DIMO event model as zod schemas. The schemas only validate: an accepted event is the very
 * object that was decoded (zod's output would drop or reorder members and so change the bytes a
 * signature covers).
 */
import { parseDid } from "@dimo-open/protocol";
import { getAddress, isAddress } from "viem";
import { z } from "zod";
import type { JsonValue } from "../json.ts";
import { rfc3339Millis } from "../time.ts";

/** The DIMO event types (`type` attribute). */
export const EVENT_TYPES = [
  "dimo.status",
  "dimo.fingerprint",
  "dimo.signals",
  "dimo.events",
  "dimo.attestation",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Largest sequence number: 2^63 − 1, so it fits signed 64-bit columns (SQL bigint, Avro long). */
export const MAX_SEQUENCE = 2n ** 63n - 1n;

/** ISO 3779 VIN: 17 characters, no I, O or Q. */
export const VIN_PATTERN = /^[A-HJ-NPR-Z0-9]{17}$/;

const present = z.custom<JsonValue>((v) => v !== undefined, "required");

export const Rfc3339Schema = z
  .string()
  .max(64)
  .refine((s) => rfc3339Millis(s) !== undefined, "must be an RFC 3339 date-time (from 1970 on)");

/** A sample time: milliseconds since the epoch, or an RFC 3339 date-time. */
export const SampleTimeSchema = z.union([z.number().nonnegative(), Rfc3339Schema]);

/** One signal sample of DIMO's default payload. `value` is usually a number or a string. */
export const SignalSchema = z.looseObject({
  timestamp: SampleTimeSchema,
  name: z.string().min(1).max(256),
  value: present,
});
export type Signal = z.infer<typeof SignalSchema>;

/** A vehicle event (harsh braking, ignition…) as DIMO's model-garage defines it. */
export const VehicleEventSchema = z.looseObject({
  name: z.string().min(1).max(256),
  timestamp: SampleTimeSchema,
  durationNs: z.number().int().nonnegative().optional(),
  metadata: z.string().max(16_384).optional(),
});
export type VehicleEvent = z.infer<typeof VehicleEventSchema>;

/** DIMO's default payload: `{ timestamp?, signals?, events?, vin? }`, other members kept. */
export const StatusDataSchema = z.looseObject({
  timestamp: z.number().nonnegative().optional(),
  signals: z.array(SignalSchema).optional(),
  events: z.array(VehicleEventSchema).optional(),
  vin: z.string().max(64).optional(),
});
export type StatusData = z.infer<typeof StatusDataSchema>;

export const SignalsDataSchema = StatusDataSchema.extend({ signals: z.array(SignalSchema) });
export type SignalsData = z.infer<typeof SignalsDataSchema>;

export const EventsDataSchema = StatusDataSchema.extend({ events: z.array(VehicleEventSchema) });
export type EventsData = z.infer<typeof EventsDataSchema>;

/** The vehicle's identity as the device read it: a VIN (ISO 3779). */
export const FingerprintDataSchema = z.looseObject({
  vin: z.string().regex(VIN_PATTERN, "must be a 17-character ISO 3779 VIN (A-Z without I, O, Q, and 0-9)"),
  timestamp: z.number().nonnegative().optional(),
  protocol: z.string().max(64).optional(),
});
export type FingerprintData = z.infer<typeof FingerprintDataSchema>;

/** An attestation: any JSON object (a claim, typically a credential signed by its `source`). */
export const AttestationDataSchema = z.record(z.string(), present);
export type AttestationData = z.infer<typeof AttestationDataSchema>;

export const DATA_SCHEMAS = {
  "dimo.status": StatusDataSchema,
  "dimo.fingerprint": FingerprintDataSchema,
  "dimo.signals": SignalsDataSchema,
  "dimo.events": EventsDataSchema,
  "dimo.attestation": AttestationDataSchema,
} as const satisfies Record<EventType, z.ZodType>;

export interface EventDataByType {
  "dimo.status": StatusData;
  "dimo.fingerprint": FingerprintData;
  "dimo.signals": SignalsData;
  "dimo.events": EventsData;
  "dimo.attestation": AttestationData;
}

const DidSchema = z
  .string()
  .max(256)
  .superRefine((s, ctx) => {
    try {
      parseDid(s);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
    }
  });

export const SignatureHexSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{130}$/, "must be 65 bytes r‖s‖v as 0x-prefixed hex (132 characters)");

const ChecksumAddressSchema = z
  .string()
  .refine((s) => isAddress(s, { strict: false }) && getAddress(s) === s, {
    message: "must be an EIP-55 checksummed address",
  });

export const SequenceSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,18})$/, "must be a decimal integer without leading zeros")
  .refine((s) => BigInt(s) <= MAX_SEQUENCE, "must be at most 2^63-1");

/** CloudEvents extension attribute names: lower-case letters and digits (CloudEvents 1.0). */
export const EXTENSION_NAME = /^[a-z0-9]{1,64}$/;

/** The attributes every DIMO CloudEvent 1.0 carries, including our signature extensions. */
export const CloudEventSchema = z.looseObject({
  specversion: z.literal("1.0"),
  id: z.string().min(1).max(256),
  source: z.string().min(1).max(256),
  producer: DidSchema,
  subject: DidSchema,
  time: Rfc3339Schema,
  type: z.enum(EVENT_TYPES),
  datacontenttype: z.string().max(128).optional(),
  dataversion: z.string().max(128).optional(),
  dataschema: z.string().max(512).optional(),
  signature: SignatureHexSchema.optional(),
  dimosigversion: z.enum(["2", "2b"]).optional(),
  dimosequence: SequenceSchema.optional(),
  dimosigner: ChecksumAddressSchema.optional(),
  dimoproof: z
    .string()
    .regex(/^0x([0-9a-fA-F]{64})*$/, "must be 0x and whole 32-byte hashes in hex")
    .optional(),
  data: present,
});

/** The attributes as TypeScript sees them (extensions are any other lower-case member). */
export interface CloudEventAttributes {
  specversion: "1.0";
  id: string;
  /** The data provider (connection), e.g. its address or DID. */
  source: string;
  /** DID of the device that produced the event. */
  producer: string;
  /** DID of the vehicle the event is about. */
  subject: string;
  /** RFC 3339, as signed. */
  time: string;
  datacontenttype?: string;
  dataversion?: string;
  dataschema?: string;
  /** 0x-hex r‖s‖v, lower-case after parsing. */
  signature?: `0x${string}`;
  /**
   * "2" for a v2 device signature, "2b" for a v2 batch signature (one signature over the Merkle
   * root of several events); absent for DIMO's legacy signature.
   */
  dimosigversion?: "2" | "2b";
  /** Per-device sequence number, decimal. Required with dimosigversion "2" and "2b". */
  dimosequence?: string;
  /** The signing device's address (EIP-55). Required with dimosigversion "2" and "2b". */
  dimosigner?: `0x${string}`;
  /** "2b" only: the event's Merkle proof, its sibling hashes bottom-up, concatenated in hex. */
  dimoproof?: `0x${string}`;
}

/**
 * A DIMO CloudEvent 1.0, its `data` typed by its `type`. Other extension attributes (lower-case
 * names, string/number/boolean values) are kept at run time but not typed: no index signature,
 * so that Omit and friends keep working on this type.
 */
export type DimoCloudEvent<T extends EventType = EventType> = T extends EventType
  ? CloudEventAttributes & { type: T; data: EventDataByType[T] }
  : never;

/**
 * DIMO's legacy AutoPi status message (see docs/streaming.md): `specversion` "2.0", type
 * `com.dimo.device.status`, `subject` is the device address, extra top-level members
 * (vehicleTokenId, make, model…) are the device's unverified claims and are kept as sent.
 */
export const LegacyStatusSchema = z.looseObject({
  specversion: z.literal("2.0"),
  id: z.string().min(1).max(256),
  source: z.string().min(1).max(256),
  subject: z.string().refine((s) => isAddress(s, { strict: false }), "must be the device's 0x address"),
  time: Rfc3339Schema,
  type: z.literal("com.dimo.device.status"),
  signature: SignatureHexSchema.optional(),
  data: z.looseObject({
    timestamp: z.number().nonnegative(),
    device: z.record(z.string(), present).optional(),
    vehicle: z.looseObject({ signals: z.array(SignalSchema) }).optional(),
  }),
});
export type LegacyStatusEvent = z.infer<typeof LegacyStatusSchema>;

export const LEGACY_SPECVERSION = "2.0";
export const LEGACY_STATUS_TYPE = "com.dimo.device.status";
