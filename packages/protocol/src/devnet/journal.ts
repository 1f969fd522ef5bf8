import {
  closeSync,
  existsSync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import type { DevnetHardfork } from "./chainConfig.ts";
import { JournalCorruptError } from "./errors.ts";
import type { DevnetLogger } from "./logger.ts";
import { isJournaledMethod } from "./methods.ts";

/**
 * The devnet's journal: a JSON-lines file in the data dir. The first line describes the chain
 * (its settings and genesis hash); every following line is one accepted state-changing JSON-RPC
 * call with what it produced. Replaying the lines against a fresh EVM with the recorded block
 * timestamps rebuilds the identical chain: every block, hash, log and address.
 */
export const JOURNAL_FILE = "chain.jsonl";
export const JOURNAL_FORMAT = "dimo-devnet-journal";
export const JOURNAL_VERSION = 1;

export interface JournalHeader {
  format: typeof JOURNAL_FORMAT;
  version: typeof JOURNAL_VERSION;
  /** Wall-clock time (ms) the chain was created: the anchor of its clock until a block is mined. */
  createdAt: number;
  chain: {
    chainId: number;
    hardfork: DevnetHardfork;
    /** The derived, funded accounts (addresses only: the mnemonic is never written). */
    accounts: Address[];
    balance: string;
    initialTimestamp: number;
    blockGasLimit: string;
    /** Absent in journals written before the option existed: false. */
    sameSecondBlocks?: boolean;
  };
  genesisHash: Hex;
}

export interface BlockRef {
  number: Hex;
  hash: Hex;
  timestamp: Hex;
}

export interface JournalEntry {
  /** 1, 2, 3, … without gaps. */
  seq: number;
  /** Wall-clock time (ms) the call was accepted. */
  at: number;
  method: string;
  params: unknown[];
  result?: unknown;
  /** The call answered an error but still changed the chain, so it must be replayed too. */
  failed?: true;
  /** The latest block after the call: replay checks it is the same. */
  head: BlockRef;
  /** Timestamp of the first block the call mined, if it mined any: replay sets it before the call. */
  ts?: Hex;
}

export interface OpenedJournal {
  journal: Journal;
  /** Absent for a new (or empty) journal: the caller writes one. */
  header?: JournalHeader;
  entries: JournalEntry[];
}

export class Journal {
  #fd: number | undefined;
  #nextSeq: number;

  private constructor(
    readonly file: string,
    fd: number,
    nextSeq: number,
    private readonly sync: boolean,
  ) {
    this.#fd = fd;
    this.#nextSeq = nextSeq;
  }

  /**
   * Reads the journal in `dataDir` (creating an empty one if there is none) and opens it for
   * appending. An incomplete last line — a write cut short by a crash — is dropped with a warning
   * and cut off the file, so the next line starts clean; damage anywhere else is an error.
   */
  static open(dataDir: string, options: { sync: boolean; logger: DevnetLogger }): OpenedJournal {
    const file = join(dataDir, JOURNAL_FILE);
    const bytes = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
    let keep = bytes.lastIndexOf(0x0a) + 1;
    if (keep < bytes.length) {
      options.logger.warn(
        { file, droppedBytes: bytes.length - keep },
        "devnet journal ends in an incomplete line (a write cut short by a crash); ignoring it",
      );
    }
    const lines = bytes.subarray(0, keep).toString("utf8").split("\n");
    lines.pop(); // the empty string after the final newline
    let header: JournalHeader | undefined;
    const entries: JournalEntry[] = [];
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index] ?? "";
      const lineNumber = index + 1;
      try {
        if (index === 0) header = parseHeader(line);
        else entries.push(parseEntry(line, entries.length + 1));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (index < lines.length - 1) throw new JournalCorruptError(file, lineNumber, reason);
        // A last line that is complete but unreadable is also a torn write (e.g. zeros left by a
        // power loss): same treatment as an incomplete one.
        options.logger.warn(
          { file, line: lineNumber, reason },
          "devnet journal's last line is unreadable (a write cut short by a crash); ignoring it",
        );
        keep = Buffer.byteLength(
          lines
            .slice(0, index)
            .map((l) => `${l}\n`)
            .join(""),
          "utf8",
        );
        break;
      }
    }
    // O_APPEND: every write lands at the end, whatever else happened to the file.
    const fd = openSync(file, "a");
    if (keep < bytes.length) {
      ftruncateSync(fd, keep);
      fdatasyncSync(fd);
    }
    const journal = new Journal(file, fd, entries.length + 1, options.sync);
    return header ? { journal, header, entries } : { journal, entries };
  }

  get entryCount(): number {
    return this.#nextSeq - 1;
  }

  writeHeader(header: JournalHeader): void {
    if (this.#nextSeq !== 1) throw new Error("the journal header must be its first line");
    this.#write(header);
  }

  /** Appends one entry and makes it durable before returning. */
  append(entry: Omit<JournalEntry, "seq">): JournalEntry {
    const full: JournalEntry = { seq: this.#nextSeq, ...entry };
    this.#write(full);
    this.#nextSeq++;
    return full;
  }

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  #write(value: unknown): void {
    if (this.#fd === undefined) throw new Error(`the journal ${this.file} is closed`);
    // One write call per line, appended at the end: a crash can only tear the last line.
    const line = Buffer.from(`${JSON.stringify(value)}\n`, "utf8");
    let offset = 0;
    while (offset < line.length) offset += writeSync(this.#fd, line, offset, line.length - offset, null);
    if (this.sync) fdatasyncSync(this.#fd);
  }
}

const HEX = /^0x[0-9a-f]*$/i;

function parseHeader(line: string): JournalHeader {
  const value = JSON.parse(line) as Partial<JournalHeader>;
  if (value.format !== JOURNAL_FORMAT)
    throw new Error(`not a devnet journal (format ${String(value.format)})`);
  if (value.version !== JOURNAL_VERSION) {
    throw new Error(
      `journal version ${String(value.version)} is not supported (this devnet writes ${JOURNAL_VERSION})`,
    );
  }
  const chain = value.chain;
  if (
    typeof value.createdAt !== "number" ||
    typeof value.genesisHash !== "string" ||
    !chain ||
    typeof chain.chainId !== "number" ||
    typeof chain.hardfork !== "string" ||
    !Array.isArray(chain.accounts) ||
    typeof chain.balance !== "string" ||
    typeof chain.initialTimestamp !== "number" ||
    typeof chain.blockGasLimit !== "string"
  ) {
    throw new Error("the header lacks chain settings");
  }
  return value as JournalHeader;
}

function parseEntry(line: string, expectedSeq: number): JournalEntry {
  const value = JSON.parse(line) as Partial<JournalEntry>;
  if (value.seq !== expectedSeq) throw new Error(`expected entry ${expectedSeq}, found ${String(value.seq)}`);
  if (typeof value.at !== "number") throw new Error("entry has no time");
  if (typeof value.method !== "string" || !isJournaledMethod(value.method)) {
    throw new Error(`entry has a method that is not journaled: ${String(value.method).slice(0, 64)}`);
  }
  if (!Array.isArray(value.params)) throw new Error("entry params are not an array");
  const head = value.head;
  if (
    !head ||
    !HEX.test(String(head.number)) ||
    !HEX.test(String(head.hash)) ||
    !HEX.test(String(head.timestamp))
  ) {
    throw new Error("entry has no head block");
  }
  if (value.ts !== undefined && !HEX.test(String(value.ts))) throw new Error("entry timestamp is not hex");
  return value as JournalEntry;
}
