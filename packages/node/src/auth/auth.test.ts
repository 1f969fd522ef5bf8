import { describe, expect, it } from "vitest";
import { SerialConnection } from "../api/sql.ts";
import { openDatabase } from "../db/database.ts";
import { ChallengeBook } from "./challenges.ts";
import { InvalidTokenError, KeyRing } from "./keyRing.ts";

const CLIENT = "0x0000000000000000000000000000000000000001" as const;

describe("ChallengeBook", () => {
  it("hands each state out once and refuses it after its lifetime", () => {
    let now = 1_000;
    const book = new ChallengeBook({ lifetimeMs: 100, maxPending: 10, now: () => now });
    const a = book.issue({ clientId: CLIENT, domain: "https://a", message: "m", licenseId: 1n });
    expect(book.take(a).domain).toBe("https://a");
    expect(() => book.take(a)).toThrow(/already used/);
    const b = book.issue({ clientId: CLIENT, domain: "https://a", message: "m", licenseId: 1n });
    now += 100;
    expect(() => book.take(b)).toThrow(/expired/);
  });

  it("drops the oldest pending states when full", () => {
    const book = new ChallengeBook({ lifetimeMs: 1000, maxPending: 2 });
    const states = [1, 2, 3].map(() =>
      book.issue({ clientId: CLIENT, domain: "d", message: "m", licenseId: 1n }),
    );
    expect(() => book.take(states[0]!)).toThrow(/Unknown/);
    expect(book.take(states[2]!).message).toBe("m");
  });
});

describe("KeyRing", () => {
  it("rejects an expired token and accepts it within its lifetime", async () => {
    let now = 1_700_000_000;
    const ring = await KeyRing.open({ now: () => now });
    const token = await ring.sign(
      { a: 1 },
      { issuer: "i", audience: "x", subject: "s", expiresInSeconds: 60 },
    );
    expect((await ring.verify(token, { issuer: "i" })).a).toBe(1);
    await expect(ring.verify(token, { issuer: "other" })).rejects.toThrow(InvalidTokenError);
    now += 61;
    await expect(ring.verify(token, { issuer: "i" })).rejects.toThrow(/exp/);
  });

  it("persists keys in the database and drops rotated keys after their retention", async () => {
    const database = await openDatabase(":memory:");
    let now = 1_700_000_000;
    const sql = await SerialConnection.open(database);
    const ring = await KeyRing.open({ sql, now: () => now, retainSeconds: 100 });
    const token = await ring.sign({}, { issuer: "i", audience: "x", subject: "s", expiresInSeconds: 1000 });
    const reopened = await KeyRing.open({ sql, now: () => now, retainSeconds: 100 });
    expect(reopened.currentKid).toBe(ring.currentKid);
    await reopened.verify(token, { issuer: "i" });
    await reopened.rotate();
    expect(reopened.jwks().keys).toHaveLength(2);
    now += 101;
    expect(reopened.jwks().keys).toHaveLength(1);
    await expect(reopened.verify(token, { issuer: "i" })).rejects.toThrow(/unknown signing key/);
    await database.close();
  });
});
