import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { rewardsInputsHash } from "@dimo-open/protocol";
import { type Hex, isHex } from "viem";

/** A hash that is not a content address of this store. */
export class InvalidInputsHashError extends Error {
  override name = "InvalidInputsHashError";
  constructor(readonly hash: string) {
    super(`"${hash.slice(0, 80)}" is not an inputs hash: expected 0x and 64 lower-case hex digits.`);
  }
}

/**
 * The node's published rewards inputs: content-addressed files (`<keccak256>.json`, never
 * rewritten: append-only) and an index of which file is each week's. Files are written to a
 * temporary name and renamed, so a crash never leaves a half file under a real address.
 */
export class RewardsInputsStore {
  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<RewardsInputsStore> {
    await mkdir(join(dir, "weeks"), { recursive: true });
    return new RewardsInputsStore(dir);
  }

  /** Stores the bytes under their keccak256 and returns it. */
  async put(bytes: Uint8Array): Promise<Hex> {
    const hash = rewardsInputsHash(bytes);
    const path = this.pathOf(hash);
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
    return hash;
  }

  /** The file with this hash, or undefined. The bytes are checked against the hash. */
  async get(hash: string): Promise<Uint8Array | undefined> {
    if (!isHex(hash) || !/^0x[0-9a-f]{64}$/.test(hash)) throw new InvalidInputsHashError(hash);
    try {
      const bytes = new Uint8Array(await readFile(this.pathOf(hash)));
      if (rewardsInputsHash(bytes) !== hash) throw new Error(`rewards inputs file ${hash} is corrupt`);
      return bytes;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async setWeek(week: number, hash: Hex): Promise<void> {
    const path = join(this.dir, "weeks", String(week));
    await writeFile(`${path}.tmp`, hash);
    await rename(`${path}.tmp`, path);
  }

  /** The hash of the file computed for `week`, or undefined. */
  async weekHash(week: number): Promise<Hex | undefined> {
    try {
      return (await readFile(join(this.dir, "weeks", String(week)), "utf8")).trim() as Hex;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  private pathOf(hash: Hex): string {
    return join(this.dir, `${hash}.json`);
  }
}
