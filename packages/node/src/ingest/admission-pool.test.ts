import { describe, expect, it } from "vitest";
import { CHAIN_ID, signedStatus, testDevice } from "./__fixtures__/devices.ts";
import { AdmissionPool } from "./admission-pool.ts";
import { IngestRejectedError } from "./errors.ts";

const origin = { transport: "http" } as const;

describe("AdmissionPool", () => {
  it("verifies on worker threads, refuses with the reason, and survives its workers dying", async () => {
    const pool = new AdmissionPool(1, { chainId: CHAIN_ID });
    const device = testDevice(90);
    try {
      const verified = await pool.verify(await signedStatus(device), origin);
      expect(verified.stored.signer).toBe(device.address);
      expect(verified.stored.signals).toHaveLength(20);
      const refused = await pool.verify(new TextEncoder().encode("{"), origin).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(IngestRejectedError);
      expect((refused as IngestRejectedError).reason).toBe("malformed");

      const inFlight = pool.verify(await signedStatus(device, { sequence: 2n }), origin);
      await new Promise((r) => setTimeout(r, 5));
      await pool.recycle();
      const outcome = await inFlight.then(
        () => "verified",
        (e: Error) => e.message,
      );
      // Either it finished before the worker died, or it failed (and is not acknowledged).
      expect(["verified", "admission worker failed: admission worker exited (code 1)"]).toContain(outcome);
      const after = await pool.verify(await signedStatus(device, { sequence: 3n }), origin);
      expect(after.stored.sequence).toBe(3n);
    } finally {
      await pool.close();
    }
  }, 30_000);
});
