/**
 * The store-and-forward buffer: signed events wait on disk until the node acknowledges them.
 *
 * - Events are appended to segment files (`seg-<first key>.log`) of at most `segmentBytes`.
 *   A record is `len u32 | crc32 u32 | flags u8 | key u48 | metaLen u16 | meta JSON | payload`;
 *   a torn tail (power cut mid-write) fails its length or CRC and is cut off on opening.
 * - An acknowledgement sets the record's `acked` flag in place (one byte); a sealed segment whose
 *   records are all acknowledged is deleted. Nothing leaves the buffer unacknowledged except
 *   by thinning.
 * - The whole buffer stays within `budgetBytes`. When an append would exceed it, the buffer
 *   thins instead of refusing the newest data (DIMO's devices drop everything after 200
 *   messages): it drops every other unacknowledged event of an old segment. Segments are
 *   thinned in a staircase, the oldest most, so that a long outage keeps an ever sparser but
 *   complete picture of its whole span and the recent past in full.
 * - Batches ("2b" signatures, docs/device.md): an event may wait `unsigned` (numbered, not yet
 *   signed). When the forwarder seals some of them into one signed batch, `appendBatch` writes the
 *   batch as one record naming the keys it covers (`batch.from`…`batch.to`) and only then
 *   acknowledges the unsigned ones; a crash in between is repaired on opening (unsigned records a
 *   batch covers are acknowledged). Thinning drops unsigned and single signed events, never a
 *   batch: what was signed and perhaps sent is resent whole and byte for byte.
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import type { CodecName } from "@dimo-open/stream";
import { BufferError } from "../errors.ts";

export interface BufferedEventMeta {
  /** The CloudEvent id. */
  id: string;
  /** The CloudEvent type (dimo.status…), for the MQTT topic. */
  type: string;
  /** How `bytes` are encoded. */
  codec: CodecName;
  /** Numbered but not signed yet: `bytes` are the unsigned event as JSON, to be sealed into a batch. */
  unsigned?: true;
  /**
   * A signed batch: `bytes` are a CloudEvents JSON batch of `count` events that were the unsigned
   * records with keys `from`…`to`.
   */
  batch?: BatchRange;
}

export interface BatchRange {
  from: number;
  to: number;
  count: number;
}

export interface BufferedEvent extends BufferedEventMeta {
  /** The buffer's own record key: increasing in append order, used to acknowledge. */
  key: number;
  bytes: Uint8Array;
}

export interface EventBufferOptions {
  dir: string;
  /** Upper bound of the bytes the buffer keeps on disk. */
  budgetBytes: number;
  /** Segment file size (default budget/16, at least 16 KiB); at most a quarter of the budget. */
  segmentBytes?: number;
  /** fsync after every append (slow on SD cards; default false: fsync when a segment is sealed and on flush). */
  syncEveryAppend?: boolean;
}

export interface EventBufferStats {
  /** Unacknowledged events held. */
  pending: number;
  /** Bytes on disk (acknowledged records count until their segment goes). */
  bytes: number;
  budgetBytes: number;
  segments: number;
  /** Since opening: */
  appended: number;
  acknowledged: number;
  /** Events dropped by thinning. */
  thinned: number;
  /** Bytes of torn or corrupt records cut off when opening. */
  repairedBytes: number;
}

const HEADER = 17;
const FLAG_ACKED = 1;
const MAX_META = 1024;
const SEGMENT_NAME = /^seg-(\d{15})\.log$/;

interface Entry {
  key: number;
  offset: number;
  size: number;
  metaLen: number;
  acked: boolean;
  meta: BufferedEventMeta;
}

interface Segment {
  firstKey: number;
  path: string;
  fd: number;
  size: number;
  entries: Entry[];
  unacked: number;
  /** How many times it was thinned. */
  level: number;
  sealed: boolean;
}

/** An unacknowledged record thinning may drop: anything but a signed batch. */
const thinnable = (e: Entry) => !e.acked && e.meta.batch === undefined;

const segmentName = (key: number) => `seg-${String(key).padStart(15, "0")}.log`;

export class EventBuffer {
  readonly dir: string;
  readonly budgetBytes: number;
  readonly segmentBytes: number;
  readonly #syncEveryAppend: boolean;
  #segments: Segment[] = [];
  #nextKey = 0;
  #bytes = 0;
  #pending = 0;
  #stats = { appended: 0, acknowledged: 0, thinned: 0, repairedBytes: 0 };
  #closed = false;

  private constructor(options: EventBufferOptions, segmentBytes: number) {
    this.dir = options.dir;
    this.budgetBytes = options.budgetBytes;
    this.segmentBytes = segmentBytes;
    this.#syncEveryAppend = options.syncEveryAppend ?? false;
  }

  /** Opens the buffer in `dir` (created if missing), recovering what a previous run left. */
  static open(options: EventBufferOptions): EventBuffer {
    if (!Number.isSafeInteger(options.budgetBytes) || options.budgetBytes < 64 * 1024) {
      throw new BufferError(`Buffer budget ${options.budgetBytes} bytes is too small.`, {
        details: "Give the buffer at least 64 KiB; a few MiB hold hours of driving.",
      });
    }
    const segmentBytes = options.segmentBytes ?? Math.max(16 * 1024, Math.floor(options.budgetBytes / 16));
    if (segmentBytes > options.budgetBytes / 4 || segmentBytes < 4096) {
      throw new BufferError(
        `Segment size ${segmentBytes} bytes does not fit budget ${options.budgetBytes}.`,
        {
          details:
            "Segments must be 4 KiB to a quarter of the budget, so that thinning has old segments to work on.",
        },
      );
    }
    mkdirSync(options.dir, { recursive: true });
    const buffer = new EventBuffer(options, segmentBytes);
    buffer.#load();
    return buffer;
  }

  #load(): void {
    const names = readdirSync(this.dir)
      .filter((n) => SEGMENT_NAME.test(n))
      .sort();
    for (const name of names) {
      const path = join(this.dir, name);
      const firstKey = Number(SEGMENT_NAME.exec(name)![1]);
      const fd = openSync(path, "r+");
      const data = readFileSync(fd);
      const entries: Entry[] = [];
      let offset = 0;
      while (offset + HEADER <= data.length) {
        const len = data.readUInt32LE(offset);
        const end = offset + HEADER + len;
        const metaLen = data.readUInt16LE(offset + 15);
        if (end > data.length || metaLen > len || metaLen > MAX_META) break;
        const body = data.subarray(offset + HEADER, end);
        if (crc32(body) !== data.readUInt32LE(offset + 4)) break;
        let meta: BufferedEventMeta;
        try {
          meta = JSON.parse(body.subarray(0, metaLen).toString("utf8")) as BufferedEventMeta;
        } catch {
          break;
        }
        entries.push({
          key: data.readUIntLE(offset + 9, 6),
          offset,
          size: end - offset,
          metaLen,
          acked: (data[offset + 8]! & FLAG_ACKED) !== 0,
          meta,
        });
        offset = end;
      }
      if (offset < data.length) {
        // A torn or corrupt tail: everything from the first bad record on is unreadable.
        ftruncateSync(fd, offset);
        this.#stats.repairedBytes += data.length - offset;
      }
      const unacked = entries.filter((e) => !e.acked).length;
      const segment: Segment = { firstKey, path, fd, size: offset, entries, unacked, level: 0, sealed: true };
      const last = entries.at(-1);
      this.#nextKey = Math.max(this.#nextKey, firstKey, last ? last.key + 1 : 0);
      if (unacked === 0) {
        closeSync(fd);
        unlinkSync(path);
        continue;
      }
      this.#segments.push(segment);
      this.#bytes += segment.size;
      this.#pending += unacked;
    }
    // A batch written just before a crash may have left its unsigned events unacknowledged (their
    // flags are written after it, and not synced).
    for (const segment of [...this.#segments]) {
      for (const e of segment.entries) {
        if (e.meta.batch) this.#ackUnsignedIn(e.meta.batch);
      }
    }
  }

  /** Acknowledges the unsigned events a batch covers (sealed into it). */
  #ackUnsignedIn(range: BatchRange): void {
    for (const segment of [...this.#segments]) {
      if (segment.firstKey > range.to) break;
      for (const e of segment.entries) {
        if (e.key >= range.from && e.key <= range.to && e.meta.unsigned && !e.acked) this.ack(e.key);
      }
    }
  }

  /** Appends one encoded event; thins old data if the budget would be exceeded. */
  append(meta: BufferedEventMeta, bytes: Uint8Array): BufferedEvent {
    const stored = this.#write(meta, bytes);
    this.#stats.appended++;
    this.#enforceBudget();
    return stored;
  }

  /**
   * Appends a signed batch that replaces the unsigned events `members` (their keys, oldest
   * first): the batch is written first, then they are acknowledged, so that no moment on disk
   * holds neither. Members thinned meanwhile are simply not there to acknowledge.
   */
  appendBatch(
    meta: Omit<BufferedEventMeta, "batch" | "unsigned">,
    bytes: Uint8Array,
    members: readonly number[],
  ): BufferedEvent {
    if (members.length === 0) throw new BufferError("A batch replaces at least one unsigned event.");
    const range: BatchRange = { from: members[0]!, to: members.at(-1)!, count: members.length };
    const stored = this.#write({ ...meta, batch: range }, bytes);
    // On disk before the unsigned copies go: after a power cut the batch, not a re-signing, is what remains.
    fsyncSync(this.#segments.at(-1)!.fd);
    this.#ackUnsignedIn(range);
    this.#enforceBudget();
    return stored;
  }

  /** The largest payload one record can hold (a batch must fit it). */
  get maxPayloadBytes(): number {
    return this.segmentBytes - HEADER - MAX_META;
  }

  #write(meta: BufferedEventMeta, bytes: Uint8Array): BufferedEvent {
    this.#checkOpen();
    const metaBytes = Buffer.from(
      JSON.stringify({
        id: meta.id,
        type: meta.type,
        codec: meta.codec,
        ...(meta.unsigned && { unsigned: true }),
        ...(meta.batch && { batch: meta.batch }),
      }),
      "utf8",
    );
    if (metaBytes.length > MAX_META)
      throw new BufferError(`Event id or type too long (${metaBytes.length} bytes of metadata).`);
    const size = HEADER + metaBytes.length + bytes.length;
    if (size > this.segmentBytes) {
      throw new BufferError(
        `An event of ${bytes.length} bytes does not fit a ${this.segmentBytes}-byte segment.`,
        {
          details: "Send fewer signals per event or give the buffer a larger budget.",
        },
      );
    }
    let active = this.#segments.at(-1);
    if (!active || active.sealed || active.size + size > this.segmentBytes) active = this.#startSegment();
    const key = this.#nextKey++;
    const record = Buffer.allocUnsafe(size);
    record.writeUInt32LE(metaBytes.length + bytes.length, 0);
    metaBytes.copy(record, HEADER);
    record.set(bytes, HEADER + metaBytes.length);
    record.writeUInt32LE(crc32(record.subarray(HEADER)), 4);
    record[8] = 0;
    record.writeUIntLE(key, 9, 6);
    record.writeUInt16LE(metaBytes.length, 15);
    writeSync(active.fd, record, 0, size, active.size);
    if (this.#syncEveryAppend) fsyncSync(active.fd);
    active.entries.push({
      key,
      offset: active.size,
      size,
      metaLen: metaBytes.length,
      acked: false,
      meta: JSON.parse(metaBytes.toString("utf8")) as BufferedEventMeta,
    });
    active.size += size;
    active.unacked++;
    this.#bytes += size;
    this.#pending++;
    return { ...meta, key, bytes };
  }

  #startSegment(): Segment {
    const previous = this.#segments.at(-1);
    if (previous && !previous.sealed) {
      fsyncSync(previous.fd);
      previous.sealed = true;
      if (previous.unacked === 0) this.#removeSegment(this.#segments.length - 1);
    }
    const path = join(this.dir, segmentName(this.#nextKey));
    const fd = openSync(path, "w+");
    const segment: Segment = {
      firstKey: this.#nextKey,
      path,
      fd,
      size: 0,
      entries: [],
      unacked: 0,
      level: 0,
      sealed: false,
    };
    this.#segments.push(segment);
    return segment;
  }

  /**
   * Up to `limit` unacknowledged events, oldest first, skipping the keys in `exclude` (those
   * already in flight) and, given `which`, the records it does not want.
   */
  pending(
    limit: number,
    exclude?: ReadonlySet<number>,
    which?: (meta: BufferedEventMeta) => boolean,
  ): BufferedEvent[] {
    this.#checkOpen();
    const out: BufferedEvent[] = [];
    for (const segment of this.#segments) {
      for (const e of segment.entries) {
        if (out.length >= limit) return out;
        if (e.acked || exclude?.has(e.key) || (which && !which(e.meta))) continue;
        const bytes = new Uint8Array(e.size - HEADER - e.metaLen);
        readSync(segment.fd, bytes, 0, bytes.length, e.offset + HEADER + e.metaLen);
        out.push({ ...e.meta, key: e.key, bytes });
      }
    }
    return out;
  }

  /** How many unacknowledged records `which` wants, counting up to `limit` (nothing is read from disk). */
  countPending(limit: number, which: (meta: BufferedEventMeta) => boolean): number {
    this.#checkOpen();
    let n = 0;
    for (const segment of this.#segments) {
      for (const e of segment.entries) {
        if (n >= limit) return n;
        if (!e.acked && which(e.meta)) n++;
      }
    }
    return n;
  }

  /** Marks an event acknowledged by the node. Returns false if it is no longer held (thinned, or acknowledged before). */
  ack(key: number): boolean {
    this.#checkOpen();
    const i = this.#segmentIndexOf(key);
    if (i < 0) return false;
    const segment = this.#segments[i]!;
    const entry = segment.entries.find((e) => e.key === key);
    if (!entry || entry.acked) return false;
    writeSync(segment.fd, Buffer.of(FLAG_ACKED), 0, 1, entry.offset + 8);
    entry.acked = true;
    segment.unacked--;
    this.#pending--;
    this.#stats.acknowledged++;
    if (segment.unacked === 0 && segment.sealed) this.#removeSegment(i);
    return true;
  }

  #segmentIndexOf(key: number): number {
    let lo = 0;
    let hi = this.#segments.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.#segments[mid]!.firstKey <= key) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  #removeSegment(index: number): void {
    const [segment] = this.#segments.splice(index, 1);
    closeSync(segment!.fd);
    unlinkSync(segment!.path);
    this.#bytes -= segment!.size;
    this.#pending -= segment!.unacked;
  }

  #enforceBudget(): void {
    if (this.#bytes <= this.budgetBytes) return;
    // Thin down to a segment below the budget, so thinning (a rewrite and an fsync) happens
    // about once per segment appended rather than on every append.
    const target = this.budgetBytes - this.segmentBytes;
    while (this.#bytes > target) {
      // Only segments with something to drop: signed batches are kept whole, so a segment of
      // batches alone cannot shrink (they are few: one per send in flight, until acknowledged).
      const sealed = this.#segments.filter((s) => s.sealed && s.entries.some(thinnable));
      if (sealed.length === 0) return;
      // Staircase: the first old segment not already thinned more than the one after it.
      let pick = sealed.length - 1;
      for (let i = 0; i < sealed.length - 1; i++) {
        if (sealed[i]!.level <= sealed[i + 1]!.level) {
          pick = i;
          break;
        }
      }
      this.#thin(this.#segments.indexOf(sealed[pick]!));
    }
  }

  /**
   * Drops every other thinnable event of a segment (and its acknowledged records), or the
   * segment if one is left; signed batches stay.
   */
  #thin(index: number): void {
    const segment = this.#segments[index]!;
    const live = segment.entries.filter((e) => !e.acked);
    const candidates = live.filter(thinnable);
    const batches = live.filter((e) => !thinnable(e));
    if (candidates.length <= 1 && batches.length === 0) {
      this.#stats.thinned += candidates.length;
      this.#removeSegment(index);
      return;
    }
    // Keep the later reading of each pair: 1, 3, 5…; an odd last one stays too (a lone one goes).
    const kept = new Set(
      candidates.length <= 1
        ? []
        : candidates.filter((_, i) => i % 2 === 1 || i === candidates.length - 1).map((e) => e.key),
    );
    for (const b of batches) kept.add(b.key);
    const keep = live.filter((e) => kept.has(e.key));
    this.#stats.thinned += live.length - keep.length;
    const previous = index > 0 ? this.#segments[index - 1] : undefined;
    const keptBytes = keep.reduce((n, e) => n + e.size, 0);
    if (previous?.sealed && previous.size + keptBytes <= this.segmentBytes) {
      // Merge into the older neighbour so thinned segments do not pile up as tiny files.
      const prevLive = previous.entries.filter((e) => !e.acked);
      this.#rewrite(previous, [
        ...prevLive.map((e) => ({ from: previous, e })),
        ...keep.map((e) => ({ from: segment, e })),
      ]);
      previous.level = Math.max(previous.level, segment.level + 1);
      const i = this.#segments.indexOf(segment);
      this.#removeSegment(i);
      return;
    }
    this.#rewrite(
      segment,
      keep.map((e) => ({ from: segment, e })),
    );
    segment.level++;
  }

  /** Replaces a segment's file with the given records (write aside, fsync, rename). */
  #rewrite(target: Segment, records: { from: Segment; e: Entry }[]): void {
    const tmp = `${target.path}.tmp`;
    const fd = openSync(tmp, "w+");
    const entries: Entry[] = [];
    let offset = 0;
    for (const { from, e } of records) {
      const buf = Buffer.allocUnsafe(e.size);
      readSync(from.fd, buf, 0, e.size, e.offset);
      writeSync(fd, buf, 0, e.size, offset);
      entries.push({ ...e, offset });
      offset += e.size;
    }
    // The data reaches the disk before the rename replaces the old file. The directory is not
    // synced: if a power cut loses the rename, the unthinned segment (a superset) comes back.
    fsyncSync(fd);
    renameSync(tmp, target.path);
    closeSync(target.fd);
    this.#bytes += offset - target.size;
    this.#pending += entries.length - target.unacked;
    target.fd = fd;
    target.size = offset;
    target.entries = entries;
    target.unacked = entries.length;
  }

  /** Forces what was appended to the storage (before sleeping or powering the modem down). */
  flush(): void {
    this.#checkOpen();
    const active = this.#segments.at(-1);
    if (active) fsyncSync(active.fd);
  }

  get stats(): EventBufferStats {
    return {
      pending: this.#pending,
      bytes: this.#bytes,
      budgetBytes: this.budgetBytes,
      segments: this.#segments.length,
      ...this.#stats,
    };
  }

  /** Bytes on disk, measured (for tests and status: should equal stats.bytes). */
  measuredBytes(): number {
    return this.#segments.reduce((n, s) => n + fstatSync(s.fd).size, 0);
  }

  /** True once close() ran: nothing is appended or acknowledged any more. */
  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#segments) {
      fsyncSync(s.fd);
      closeSync(s.fd);
    }
    this.#segments = [];
  }

  #checkOpen(): void {
    if (this.#closed) throw new BufferError("The event buffer is closed.");
  }
}
