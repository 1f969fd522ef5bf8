/**
 * A parsed DBC: nodes, messages, value tables, attributes, and the diagnostics found while
 * loading it. Frames are looked up by (id, extended) through hash maps built once.
 */
import type { DecodedSignals } from "../codec/decoder.ts";
import type { DecodeOptions, Message } from "./message.ts";
import type {
  AttributeDefinition,
  AttributeValue,
  Choices,
  Diagnostic,
  EnvironmentVariable,
  Node,
  RelationAttribute,
  Signal,
} from "./model.ts";

export interface DatabaseInit {
  readonly file: string | undefined;
  readonly version: string;
  readonly comment: string | undefined;
  readonly nodes: readonly Node[];
  readonly messages: readonly Message[];
  readonly valueTables: ReadonlyMap<string, Choices>;
  readonly environmentVariables: readonly EnvironmentVariable[];
  readonly attributeDefinitions: ReadonlyMap<string, AttributeDefinition>;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly relationAttributes: readonly RelationAttribute[];
  readonly independentSignals: readonly Signal[];
  readonly diagnostics: readonly Diagnostic[];
}

/** A CAN frame as the decoder needs it. */
export interface FrameInput {
  readonly id: number;
  /** 29-bit id. When omitted, ids above 0x7FF are taken as extended. */
  readonly extended?: boolean;
  readonly data: Uint8Array;
}

export interface DecodedFrame {
  readonly message: Message;
  readonly signals: DecodedSignals;
}

export class Database {
  readonly file: string | undefined;
  readonly version: string;
  /** The network (bus) comment. */
  readonly comment: string | undefined;
  readonly nodes: readonly Node[];
  readonly messages: readonly Message[];
  readonly valueTables: ReadonlyMap<string, Choices>;
  readonly environmentVariables: readonly EnvironmentVariable[];
  readonly attributeDefinitions: ReadonlyMap<string, AttributeDefinition>;
  /** Network-level attribute values (BA_ without an object). */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly relationAttributes: readonly RelationAttribute[];
  /** Signals of Vector's VECTOR__INDEPENDENT_SIG_MSG (assigned to no frame). */
  readonly independentSignals: readonly Signal[];
  readonly diagnostics: readonly Diagnostic[];

  private readonly standard = new Map<number, Message>();
  private readonly extendedIds = new Map<number, Message>();
  private readonly byName = new Map<string, Message>();

  constructor(init: DatabaseInit) {
    this.file = init.file;
    this.version = init.version;
    this.comment = init.comment;
    this.nodes = init.nodes;
    this.messages = init.messages;
    this.valueTables = init.valueTables;
    this.environmentVariables = init.environmentVariables;
    this.attributeDefinitions = init.attributeDefinitions;
    this.attributes = init.attributes;
    this.relationAttributes = init.relationAttributes;
    this.independentSignals = init.independentSignals;
    this.diagnostics = init.diagnostics;
    for (const m of init.messages) {
      this.byName.set(m.name, m);
      if (!m.reachable) continue;
      (m.extended ? this.extendedIds : this.standard).set(m.id, m);
    }
  }

  message(name: string): Message | undefined {
    return this.byName.get(name);
  }

  /**
   * The message for a frame id. `extended` undefined: ids up to 0x7FF are standard, larger
   * ones extended (a standard id never exceeds 0x7FF).
   */
  messageById(id: number, extended?: boolean): Message | undefined {
    if (extended === undefined) extended = id > 0x7ff;
    return (extended ? this.extendedIds : this.standard).get(id);
  }

  /** Decodes a frame whose id the database knows; undefined for other ids. */
  decodeFrame(frame: FrameInput, options?: DecodeOptions): DecodedFrame | undefined {
    const message = this.messageById(frame.id, frame.extended);
    if (!message) return undefined;
    return { message, signals: message.decode(frame.data, options) };
  }
}
