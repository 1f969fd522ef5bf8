import { chmod, mkdtemp, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { typedMessage, typedMessageDigest } from "@dimo-open/protocol";
import { jsonCodec, parseEvent, signDeviceEvent, verifyEventSignature } from "@dimo-open/stream";
import { recoverAddress } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { KeystoreError } from "../errors.ts";
import { openFileKeystore, privateKeyElement, SOFTWARE_KEYSTORE_WARNING } from "./file-keystore.ts";
import { signTypedMessageWithElement } from "./secure-element.ts";

const dir = () => mkdtemp(join(tmpdir(), "dimo-keystore-"));

describe("file keystore", () => {
  it("creates a 0600 key file, warns that it is not a secure element, and reopens the same key", async () => {
    const path = join(await dir(), "device.key");
    const warnings: string[] = [];
    const created = await openFileKeystore({ path, create: true, warn: (m) => warnings.push(m) });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(created.custody).toBe("software");
    expect(warnings).toEqual([SOFTWARE_KEYSTORE_WARNING]);
    const reopened = await openFileKeystore({ path, warn: (m) => warnings.push(m) });
    expect(reopened.address).toBe(created.address);
    expect(warnings).toHaveLength(2);
    expect(await readFile(path, "utf8")).toMatch(/^0x[0-9a-f]{64}\n$/);
  });

  it("refuses a key file that group or others can read", async () => {
    const path = join(await dir(), "device.key");
    await openFileKeystore({ path, create: true, warn: () => {} });
    await chmod(path, 0o644);
    const error = await openFileKeystore({ path, warn: () => {} }).catch((e) => e);
    expect(error).toBeInstanceOf(KeystoreError);
    expect(error.shortMessage).toContain("mode 0644");
    expect(error.details).toContain("chmod 600");
    await chmod(path, 0o640);
    await expect(openFileKeystore({ path, warn: () => {} })).rejects.toThrow(/mode 0640/);
  });

  it("refuses a missing file without create, a symbolic link, and a file that is not a key", async () => {
    const d = await dir();
    await expect(openFileKeystore({ path: join(d, "none.key"), warn: () => {} })).rejects.toThrow(
      /create: true/,
    );
    const real = join(d, "real.key");
    await openFileKeystore({ path: real, create: true, warn: () => {} });
    await symlink(real, join(d, "link.key"));
    await expect(openFileKeystore({ path: join(d, "link.key"), warn: () => {} })).rejects.toThrow(
      /symbolic link/,
    );
    const junk = join(d, "junk.key");
    await writeFile(junk, "hello\n", { mode: 0o600 });
    await expect(openFileKeystore({ path: junk, warn: () => {} })).rejects.toThrow(
      /does not hold a private key/,
    );
  });

  it("signs stream events that a node verifies (it is a DeviceSigner)", async () => {
    const path = join(await dir(), "device.key");
    const element = await openFileKeystore({ path, create: true, warn: () => {} });
    const event = await signDeviceEvent(
      {
        specversion: "1.0",
        id: "e1",
        source: element.address,
        producer: `did:ethr:137:${element.address}`,
        subject: "did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7",
        time: "2024-04-22T20:40:07.249Z",
        type: "dimo.status",
        dimosequence: 0n,
        data: { signals: [{ timestamp: 1713818407248, name: "speed", value: 42 }] },
      },
      element,
    );
    const parsed = parseEvent(jsonCodec.encode(event), { now: Date.parse("2024-04-22T20:41:00Z") });
    expect(verifyEventSignature(parsed, { chainId: 137 }).signer).toBe(element.address);
  });

  it("signs the EIP-712 digest it computes itself from a protocol message", async () => {
    const element = privateKeyElement(generatePrivateKey());
    const message = typedMessage(
      {
        name: "DIMO Aftermarket Device ID",
        version: "1",
        chainId: 31337,
        verifyingContract: element.address,
      },
      "ClaimDevice",
      { deviceId: 1n, owner: element.address, nonce: 0n, deadline: 2_000_000_000n },
    );
    const signature = await signTypedMessageWithElement(element, message);
    expect(await recoverAddress({ hash: typedMessageDigest(message), signature })).toBe(element.address);
  });

  it("refuses digests that are not 32 bytes and keys that are not secp256k1 keys", async () => {
    const element = privateKeyElement(generatePrivateKey());
    await expect(element.signDigest(new Uint8Array(31))).rejects.toBeInstanceOf(KeystoreError);
    expect(() => privateKeyElement(`0x${"00".repeat(32)}`)).toThrow(KeystoreError);
  });
});
