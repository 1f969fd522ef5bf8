import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RawFrame } from "@dimo-open/can";
import { describe, expect, it } from "vitest";
import { CanSourceError } from "../errors.ts";
import { CandumpReplaySource } from "./candump-replay-source.ts";
import { loadSocketCan, SocketCanSource } from "./socketcan-source.ts";

const LOG = [
  "(1700000000.000000) can0 0B4#0000000000123456",
  "(1700000000.100000) can0 1C4#0780000800000000",
  "not a frame",
  "(1700000000.300000) can0 7E8#03410D3200000000",
  "(1700000000.300500) can0 18DAF110#0441422EE0000000",
].join("\n");

async function collect(source: CandumpReplaySource): Promise<RawFrame[]> {
  const frames: RawFrame[] = [];
  await source.start((f) => frames.push(f));
  await source.finished;
  return frames;
}

describe("candump replay", () => {
  it("replays every frame as fast as possible, keeping the log's timestamps", async () => {
    const source = new CandumpReplaySource({ text: LOG, timing: "fast" });
    const frames = await collect(source);
    expect(frames.map((f) => f.id)).toEqual([0xb4, 0x1c4, 0x7e8, 0x18daf110]);
    expect(frames[3]).toMatchObject({ extended: true, timestamp: 1_700_000_000_300.5 });
    expect(Array.from(frames[0]!.data.slice(5))).toEqual([0x12, 0x34, 0x56]);
    expect(source.stats).toMatchObject({ frames: 4, skippedLines: 1 });
  });

  it("keeps the log's timing in real time (sped up), from a file", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "dimo-candump-")), "drive.log");
    writeFileSync(path, LOG);
    const source = new CandumpReplaySource({ path, timing: "realtime", speed: 2 });
    const started = performance.now();
    const frames = await collect(source);
    const elapsed = performance.now() - started;
    expect(frames).toHaveLength(4);
    // 300 ms of log at double speed: about 150 ms.
    expect(elapsed).toBeGreaterThanOrEqual(140);
  });

  it("loops until stopped, and refuses impossible options and missing files", async () => {
    const source = new CandumpReplaySource({ text: LOG, timing: "fast", loop: true });
    let n = 0;
    await source.start(() => {
      n++;
      if (n === 10) void source.stop();
    });
    await source.finished;
    expect(n).toBe(10);
    expect(() => new CandumpReplaySource({ timing: "fast" })).toThrow(CanSourceError);
    expect(() => new CandumpReplaySource({ text: LOG, timing: "realtime", speed: 0 })).toThrow(/speed 0/);
    await expect(
      new CandumpReplaySource({ path: "/nonexistent/x.log", timing: "fast" }).start(() => {}),
    ).rejects.toThrow(/Cannot read candump log/);
  });
});

describe("SocketCAN", () => {
  it("loads the native binding and reports an interface that does not exist, with what to do", async () => {
    // The binding is an optional dependency: where it did not build, that is the error to report.
    let installed = true;
    try {
      expect(typeof loadSocketCan().createRawChannelWithOptions).toBe("function");
    } catch (e) {
      installed = false;
      expect((e as CanSourceError).details).toContain("npm install socketcan");
    }
    const source = new SocketCanSource({ interface: "dimo-nope0" });
    const error = await source.start(() => {}).catch((e) => e);
    expect(error).toBeInstanceOf(CanSourceError);
    if (installed) {
      expect(error.shortMessage).toBe("Cannot open CAN interface dimo-nope0.");
      expect(error.details).toContain("ip link set dimo-nope0 up");
    } else expect(error.shortMessage).toBe("The socketcan package is not available.");
    expect(() => new SocketCanSource({ interface: "can0; rm -rf /" })).toThrow(
      /not a network interface name/,
    );
  });
});
