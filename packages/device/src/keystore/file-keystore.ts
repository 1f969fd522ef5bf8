/**
 * A software key store for development devices and simulators: the secp256k1 key sits in a file
 * readable by its owner only (mode 0600). It is NOT a secure element and says so loudly when
 * opened; a certified device implements SecureElement over its hardware instead.
 */
import { randomBytes } from "node:crypto";
import { constants, promises as fs } from "node:fs";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { Address } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { KeystoreError } from "../errors.ts";
import type { SecureElement } from "./secure-element.ts";

export interface OpenFileKeystoreOptions {
  /** The key file: one line, the private key as 0x-prefixed hex (64 digits). */
  path: string;
  /** Create the file with a fresh random key (mode 0600) when it does not exist. Default false. */
  create?: boolean;
  /** Where the "not a secure element" warning goes (default: console.warn). */
  warn?: (message: string) => void;
}

export const SOFTWARE_KEYSTORE_WARNING =
  "SOFTWARE KEYSTORE: the device key is kept in a file, not in a secure element. Anyone who can read the file can impersonate this device. Use it for development and simulation only; a DIMO-certified device keeps its key in a hardware secure element.";

const KEY_LINE = /^0x[0-9a-fA-F]{64}$/;

/** Opens (or creates) a file key store; refuses a key file that group or others can access. */
export async function openFileKeystore(options: OpenFileKeystoreOptions): Promise<SecureElement> {
  const { path } = options;
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && options.create) return createKeyFile(options);
    if (code === "ELOOP") {
      throw new KeystoreError(`Key file ${path} is a symbolic link.`, {
        details: "Point the agent at the key file itself; a link could be redirected to another key.",
      });
    }
    throw new KeystoreError(`Cannot open key file ${path}.`, {
      details:
        code === "ENOENT"
          ? "It does not exist; pass create: true to generate a development key."
          : String(error),
      cause: error,
    });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new KeystoreError(`Key file ${path} is not a regular file.`);
    const loose = stat.mode & 0o077;
    if (loose !== 0) {
      throw new KeystoreError(
        `Key file ${path} has mode ${(stat.mode & 0o777).toString(8).padStart(4, "0")}; it must be 0600.`,
        { details: `Group or others can access the device key. Run: chmod 600 ${path}` },
      );
    }
    if (stat.size > 256)
      throw new KeystoreError(`Key file ${path} is ${stat.size} bytes; a key is 66 characters.`);
    const text = (await handle.readFile("utf8")).trim();
    if (!KEY_LINE.test(text)) {
      throw new KeystoreError(`Key file ${path} does not hold a private key.`, {
        details: "Expected one line: 0x followed by 64 hexadecimal digits.",
      });
    }
    return softwareElement(text as `0x${string}`, options.warn);
  } finally {
    await handle.close();
  }
}

async function createKeyFile(options: OpenFileKeystoreOptions): Promise<SecureElement> {
  let key: Uint8Array;
  do key = randomBytes(32);
  while (!secp256k1.utils.isValidPrivateKey(key));
  const hex = `0x${Buffer.from(key).toString("hex")}` as const;
  // O_EXCL: never overwrite a key another process created meanwhile; mode applies at creation.
  const handle = await fs.open(
    options.path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
    0o600,
  );
  try {
    await handle.writeFile(`${hex}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return softwareElement(hex, options.warn);
}

function softwareElement(privateKey: `0x${string}`, warn?: (message: string) => void): SecureElement {
  (warn ?? console.warn)(SOFTWARE_KEYSTORE_WARNING);
  return privateKeyElement(privateKey);
}

/**
 * A SecureElement over a key in memory (simulators; keys derived at run time from the
 * development mnemonic). custody is "software".
 */
export function privateKeyElement(privateKey: `0x${string}`): SecureElement {
  const key = Buffer.from(privateKey.slice(2), "hex");
  if (key.length !== 32 || !secp256k1.utils.isValidPrivateKey(key)) {
    throw new KeystoreError("Not a valid secp256k1 private key.");
  }
  const address: Address = privateKeyToAddress(privateKey);
  return {
    custody: "software",
    address,
    async signDigest(digest: Uint8Array): Promise<Uint8Array> {
      if (digest.length !== 32) {
        throw new KeystoreError(`A secure element signs 32-byte digests, not ${digest.length} bytes.`);
      }
      const sig = secp256k1.sign(digest, key, { lowS: true });
      const out = new Uint8Array(65);
      out.set(sig.toCompactRawBytes());
      out[64] = 27 + sig.recovery;
      return out;
    },
  };
}
