import type { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { type Address, type Hex, zeroHash } from "viem";
import type { RewardsInputEntry } from "./inputs.ts";
import { keccakBytes } from "./keccak.ts";

/** A leaf as DimoRewards checks it: (week, vehicleId, beneficiary, amount). */
export type RewardLeaf = [week: bigint, vehicleId: bigint, beneficiary: Address, amount: bigint];

export const REWARD_LEAF_ENCODING = ["uint256", "uint256", "address", "uint256"];

/** One claimable reward with its proof. */
export interface RewardClaim {
  week: bigint;
  vehicleId: bigint;
  beneficiary: Address;
  amount: bigint;
  proof: Hex[];
}

const word = (v: bigint): string => v.toString(16).padStart(64, "0");
const hex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString("hex")}`;

function compare(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** keccak256(keccak256(abi.encode(week, vehicleId, beneficiary, amount))): OpenZeppelin's standard leaf. */
function leafHash(leaf: RewardLeaf): Uint8Array {
  const encoded = Buffer.from(
    word(leaf[0]) + word(leaf[1]) + leaf[2].slice(2).toLowerCase().padStart(64, "0") + word(leaf[3]),
    "hex",
  );
  return keccakBytes(keccakBytes(encoded));
}

/** Sorted-pair node hash, as OpenZeppelin's MerkleProof expects. */
function nodeHash(a: Uint8Array, b: Uint8Array): Uint8Array {
  const pair = new Uint8Array(64);
  const [lo, hi] = compare(a, b) <= 0 ? [a, b] : [b, a];
  pair.set(lo, 0);
  pair.set(hi, 32);
  return keccakBytes(pair);
}

/**
 * The Merkle tree of a week's rewards over the entries that earned something, built exactly as
 * @openzeppelin/merkle-tree's `StandardMerkleTree.of(leaves, REWARD_LEAF_ENCODING)` builds it
 * (double-hashed ABI-encoded leaves sorted by hash, the same array layout, sorted pairs), with a
 * WebAssembly keccak: `dump()` loads into `StandardMerkleTree.load`, and a test checks both agree.
 */
export class RewardsTree {
  private readonly nodes: Uint8Array[];
  private readonly leaves: RewardLeaf[] = [];
  private readonly treeIndexOf = new Map<bigint, number>();
  private readonly leafOf = new Map<bigint, number>();

  constructor(
    readonly week: bigint,
    entries: readonly Pick<RewardsInputEntry, "vehicleId" | "beneficiary" | "amount">[],
  ) {
    for (const e of entries) {
      if (e.amount === 0n) continue;
      this.leafOf.set(e.vehicleId, this.leaves.length);
      this.leaves.push([week, e.vehicleId, e.beneficiary, e.amount]);
    }
    const hashes = this.leaves.map(leafHash);
    const order = hashes.map((_, i) => i).sort((a, b) => compare(hashes[a]!, hashes[b]!));
    const n = order.length;
    this.nodes = new Array<Uint8Array>(n === 0 ? 0 : 2 * n - 1);
    order.forEach((leafIndex, sortedIndex) => {
      const at = this.nodes.length - 1 - sortedIndex;
      this.nodes[at] = hashes[leafIndex]!;
      this.treeIndexOf.set(this.leaves[leafIndex]![1], at);
    });
    for (let i = this.nodes.length - 1 - n; i >= 0; i--) {
      this.nodes[i] = nodeHash(this.nodes[2 * i + 1]!, this.nodes[2 * i + 2]!);
    }
  }

  /** The root DimoRewards stores; zero for a week in which nobody earned. */
  get root(): Hex {
    return this.nodes.length === 0 ? zeroHash : hex(this.nodes[0]!);
  }

  get size(): number {
    return this.leaves.length;
  }

  /** The claim of a vehicle, or undefined when it earned nothing that week. */
  claimOf(vehicleId: bigint): RewardClaim | undefined {
    const leaf = this.leafOf.get(vehicleId);
    let index = this.treeIndexOf.get(vehicleId);
    if (leaf === undefined || index === undefined) return undefined;
    const proof: Hex[] = [];
    while (index > 0) {
      proof.push(hex(this.nodes[index % 2 === 1 ? index + 1 : index - 1]!));
      index = Math.floor((index - 1) / 2);
    }
    const [week, id, beneficiary, amount] = this.leaves[leaf]!;
    return { week, vehicleId: id, beneficiary, amount, proof };
  }

  /** The tree in @openzeppelin/merkle-tree's format (`StandardMerkleTree.load(tree.dump())`). */
  dump(): ReturnType<StandardMerkleTree<RewardLeaf>["dump"]> {
    return {
      format: "standard-v1",
      leafEncoding: REWARD_LEAF_ENCODING,
      tree: this.nodes.map(hex),
      values: this.leaves.map((value) => ({ value, treeIndex: this.treeIndexOf.get(value[1])! })),
    };
  }
}
