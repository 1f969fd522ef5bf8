import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { type Address, type Hex, zeroHash } from "viem";
import type { RewardsInputEntry } from "./inputs.ts";

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

/**
 * The Merkle tree of a week's rewards (OpenZeppelin StandardMerkleTree: double-hashed,
 * ABI-encoded leaves, sorted pairs), over the entries that earned something.
 */
export class RewardsTree {
  private readonly tree: StandardMerkleTree<RewardLeaf> | undefined;
  private readonly indexOf = new Map<bigint, number>();

  constructor(
    readonly week: bigint,
    entries: readonly Pick<RewardsInputEntry, "vehicleId" | "beneficiary" | "amount">[],
  ) {
    const leaves: RewardLeaf[] = [];
    for (const e of entries) {
      if (e.amount === 0n) continue;
      this.indexOf.set(e.vehicleId, leaves.length);
      leaves.push([week, e.vehicleId, e.beneficiary, e.amount]);
    }
    this.tree = leaves.length > 0 ? StandardMerkleTree.of(leaves, REWARD_LEAF_ENCODING) : undefined;
  }

  /** The root DimoRewards stores; zero for a week in which nobody earned. */
  get root(): Hex {
    return (this.tree?.root ?? zeroHash) as Hex;
  }

  get size(): number {
    return this.indexOf.size;
  }

  /** The claim of a vehicle, or undefined when it earned nothing that week. */
  claimOf(vehicleId: bigint): RewardClaim | undefined {
    const i = this.indexOf.get(vehicleId);
    if (i === undefined || !this.tree) return undefined;
    const [week, id, beneficiary, amount] = this.tree.at(i)!;
    return { week, vehicleId: id, beneficiary, amount, proof: this.tree.getProof(i) as Hex[] };
  }
}
