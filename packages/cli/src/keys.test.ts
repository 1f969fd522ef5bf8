import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, describe, expect, it } from "vitest";
import { ExitCode } from "./errors.ts";
import { KeySourceError, readKeystore, refuseSecretsInArguments, resolveSigner } from "./keys.ts";
import type { Network } from "./network.ts";

const dir = mkdtempSync(join(tmpdir(), "dimo-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keystore(name: string, content: unknown, mode = 0o600): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  chmodSync(file, mode);
  return file;
}

const devnet = { chainId: 31337, devnet: { dir, record: {} } } as unknown as Network;
const elsewhere = { chainId: 137, devnet: undefined } as unknown as Network;

describe("keystore files", () => {
  it("reads a key its owner alone can read, and checks the address it names", () => {
    const key = generatePrivateKey();
    const { address } = privateKeyToAccount(key);
    expect(readKeystore(keystore("ok.json", { privateKey: key, address })).address).toBe(address);
    expect(() =>
      readKeystore(
        keystore("other.json", { privateKey: key, address: "0x0000000000000000000000000000000000000001" }),
      ),
    ).toThrow(`its "address" is not the address of its key (${address})`);
  });

  it("refuses files others can read, links, junk and missing files, without echoing a key", () => {
    const key = generatePrivateKey();
    const open = keystore("open.json", { privateKey: key }, 0o640);
    expect(() => readKeystore(open)).toThrow(`run \`chmod 600 ${open}\` first`);
    const link = join(dir, "link.json");
    symlinkSync(keystore("target.json", { privateKey: key }), link);
    expect(() => readKeystore(link)).toThrow("is not a regular file");
    expect(() => readKeystore(keystore("junk.json", "not json"))).toThrow(
      'is not JSON: expected {"privateKey": "0x…"}',
    );
    expect(() => readKeystore(keystore("short.json", { privateKey: "0x1234" }))).toThrow(
      "does not hold a private key",
    );
    expect(() => readKeystore(join(dir, "nope.json"))).toThrow("no keystore file");
    const bad = keystore("bad.json", { privateKey: `${key}00` });
    expect(() => readKeystore(bad)).toThrow("does not hold a private key");
    expect(() => readKeystore(bad)).not.toThrow(key.slice(2));
  });
});

describe("key sources", () => {
  it("takes demo accounts only on the devnet, by role or index", async () => {
    const maker = await resolveSigner({ devnetAccount: "maker" }, devnet, "x");
    expect(maker.address).toBe("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    expect((await resolveSigner({ devnetAccount: "1" }, devnet, "x")).address).toBe(maker.address);
    await expect(resolveSigner({ devnetAccount: "maker" }, elsewhere, "x")).rejects.toThrow(
      /works only on the local devnet/,
    );
    await expect(resolveSigner({ devnetAccount: "mallory" }, devnet, "x")).rejects.toThrow(
      /unknown devnet account "mallory"/,
    );
    await expect(
      resolveSigner({ devnetAccount: "1", keystore: "k.json" }, devnet, "x"),
    ).rejects.toMatchObject({
      exitCode: ExitCode.Usage,
    });
  });

  it("reads DIMO_PRIVATE_KEY, with or without 0x", async () => {
    const key = generatePrivateKey();
    const saved = process.env.DIMO_PRIVATE_KEY;
    try {
      process.env.DIMO_PRIVATE_KEY = key.slice(2);
      expect((await resolveSigner({}, elsewhere, "x")).address).toBe(privateKeyToAccount(key).address);
      process.env.DIMO_PRIVATE_KEY = "0xnothex";
      await expect(resolveSigner({}, elsewhere, "x")).rejects.toThrow(
        "DIMO_PRIVATE_KEY does not hold a private key",
      );
    } finally {
      if (saved === undefined) delete process.env.DIMO_PRIVATE_KEY;
      else process.env.DIMO_PRIVATE_KEY = saved;
    }
  });

  it("refuses keys and mnemonics on the command line before anything runs", () => {
    const key = generatePrivateKey();
    for (const argv of [
      ["--private-key", key],
      [`--key=${key}`],
      ["--mnemonic", "test test"],
      ["vehicle", "show", key.slice(2)],
      [`--keystore=${key}`],
    ]) {
      let thrown: unknown;
      try {
        refuseSecretsInArguments(argv);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(KeySourceError);
      expect((thrown as KeySourceError).exitCode).toBe(ExitCode.Usage);
      expect((thrown as Error).message).not.toContain(key.slice(2));
    }
    expect(() => refuseSecretsInArguments(["vehicle", "show", "12", "--keystore", "my.json"])).not.toThrow();
  });
});
