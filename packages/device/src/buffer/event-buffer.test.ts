import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BufferError } from "../errors.ts";
import { EventBuffer } from "./event-buffer.ts";

const dir = () => mkdtempSync(join(tmpdir(), "dimo-buffer-"));
const payload = (n: number, size = 400) => {
  const b = new Uint8Array(size);
  new DataView(b.buffer).setUint32(0, n);
  return b;
};
const numberOf = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
const meta = (n: number) => ({ id: `ev-${n}`, type: "dimo.status", codec: "json" as const });

describe("event buffer", () => {
  it("hands out events oldest first, skips those in flight, and removes only acknowledged ones", () => {
    const b = EventBuffer.open({ dir: dir(), budgetBytes: 1 << 20 });
    const keys = Array.from({ length: 10 }, (_, i) => b.append(meta(i), payload(i)).key);
    const first = b.pending(3);
    expect(first.map((e) => e.id)).toEqual(["ev-0", "ev-1", "ev-2"]);
    expect(numberOf(first[1]!.bytes)).toBe(1);
    expect(b.pending(3, new Set(first.map((e) => e.key))).map((e) => e.id)).toEqual(["ev-3", "ev-4", "ev-5"]);
    // Nothing leaves without an acknowledgement.
    expect(b.pending(100)).toHaveLength(10);
    expect(b.ack(keys[1]!)).toBe(true);
    expect(b.ack(keys[1]!)).toBe(false);
    expect(b.pending(100).map((e) => e.id)).not.toContain("ev-1");
    expect(b.stats).toMatchObject({ pending: 9, appended: 10, acknowledged: 1, thinned: 0 });
    b.close();
  });

  it("keeps unacknowledged events and drops acknowledged ones across a reopen", () => {
    const d = dir();
    const b = EventBuffer.open({ dir: d, budgetBytes: 1 << 20 });
    for (let i = 0; i < 20; i++) b.append(meta(i), payload(i));
    for (const e of b.pending(5)) b.ack(e.key);
    b.close();
    const again = EventBuffer.open({ dir: d, budgetBytes: 1 << 20 });
    const left = again.pending(100);
    expect(left.map((e) => numberOf(e.bytes))).toEqual(Array.from({ length: 15 }, (_, i) => i + 5));
    // New keys continue after the old ones.
    expect(again.append(meta(20), payload(20)).key).toBeGreaterThan(left.at(-1)!.key);
    again.close();
  });

  it("survives a killed process: everything appended before the kill is there", () => {
    const d = dir();
    const script = `
      import { EventBuffer } from ${JSON.stringify(join(import.meta.dirname, "event-buffer.ts"))};
      const b = EventBuffer.open({ dir: ${JSON.stringify(d)}, budgetBytes: 1 << 20 });
      for (let i = 0; i < 50; i++) b.append({ id: "k" + i, type: "dimo.status", codec: "json" }, new Uint8Array(300).fill(i));
      process.kill(process.pid, "SIGKILL");
    `;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    expect(child.signal).toBe("SIGKILL");
    const b = EventBuffer.open({ dir: d, budgetBytes: 1 << 20 });
    const events = b.pending(100);
    expect(events.map((e) => e.id)).toEqual(Array.from({ length: 50 }, (_, i) => `k${i}`));
    expect(events[49]!.bytes[0]).toBe(49);
    b.close();
  });

  it("cuts off a torn record at the end of a segment", () => {
    const d = dir();
    const b = EventBuffer.open({ dir: d, budgetBytes: 1 << 20 });
    for (let i = 0; i < 3; i++) b.append(meta(i), payload(i));
    b.close();
    const [segment] = readdirSync(d);
    appendFileSync(join(d, segment!), Buffer.from([200, 1, 0, 0, 9, 9, 9]));
    const again = EventBuffer.open({ dir: d, budgetBytes: 1 << 20 });
    expect(again.pending(10)).toHaveLength(3);
    expect(again.stats.repairedBytes).toBe(7);
    again.close();
  });

  it("stays within its byte budget and thins old data instead of dropping the newest", () => {
    const budget = 256 * 1024;
    const b = EventBuffer.open({ dir: dir(), budgetBytes: budget });
    const total = 3000; // ~1.3 MB offered to a 256 KiB buffer: an outage of hours
    for (let i = 0; i < total; i++) {
      b.append(meta(i), payload(i));
      if (i % 97 === 0) expect(b.measuredBytes()).toBeLessThanOrEqual(budget);
    }
    expect(b.measuredBytes()).toBeLessThanOrEqual(budget);
    expect(b.stats.bytes).toBe(b.measuredBytes());
    const kept = b.pending(total).map((e) => numberOf(e.bytes));
    expect(b.stats.thinned).toBe(total - kept.length);
    expect(kept.length).toBeGreaterThan(200);
    // The newest readings are all there, in order.
    const newest = kept.slice(-100);
    expect(newest).toEqual(Array.from({ length: 100 }, (_, i) => total - 100 + i));
    // The whole span is still covered, ever sparser towards the oldest.
    expect(kept[0]).toBeLessThan(total * 0.1);
    const gaps = (xs: number[]) => (xs.at(-1)! - xs[0]!) / (xs.length - 1);
    const third = Math.floor(kept.length / 3);
    expect(gaps(kept.slice(0, third))).toBeGreaterThan(gaps(kept.slice(-third)));
    b.close();
  });

  it("deletes a segment once every event in it is acknowledged", () => {
    const d = dir();
    const b = EventBuffer.open({ dir: d, budgetBytes: 256 * 1024, segmentBytes: 8192 });
    for (let i = 0; i < 100; i++) b.append(meta(i), payload(i));
    const segments = readdirSync(d).length;
    expect(segments).toBeGreaterThan(3);
    for (const e of b.pending(40)) b.ack(e.key);
    expect(readdirSync(d).length).toBeLessThan(segments);
    expect(b.stats.bytes).toBe(b.measuredBytes());
    for (const e of b.pending(100)) b.ack(e.key);
    expect(b.stats.pending).toBe(0);
    b.close();
  });

  it("refuses a budget too small, an event bigger than a segment, and use after close", () => {
    expect(() => EventBuffer.open({ dir: dir(), budgetBytes: 1000 })).toThrow(/too small/);
    expect(() => EventBuffer.open({ dir: dir(), budgetBytes: 1 << 20, segmentBytes: 1 << 19 })).toThrow(
      BufferError,
    );
    const b = EventBuffer.open({ dir: dir(), budgetBytes: 128 * 1024 });
    expect(() => b.append(meta(0), new Uint8Array(64 * 1024))).toThrow(/does not fit/);
    b.close();
    expect(() => b.pending(1)).toThrow(/closed/);
  });
});
