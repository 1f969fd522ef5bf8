import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import fc from "fast-check";
import { getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { REWARD_LEAF_ENCODING, type RewardLeaf, RewardsTree } from "./tree.ts";

const entry = fc.record({
  vehicleId: fc.bigInt({ min: 1n, max: 2n ** 64n }),
  beneficiary: fc
    .uint8Array({ minLength: 20, maxLength: 20 })
    .map((b) => getAddress(`0x${Buffer.from(b).toString("hex")}`)),
  amount: fc.bigInt({ min: 1n, max: 2n ** 128n }),
});

describe("RewardsTree", () => {
  it("builds the same root and proofs as @openzeppelin/merkle-tree's StandardMerkleTree", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1000n }),
        fc.uniqueArray(entry, { minLength: 1, maxLength: 40, selector: (e) => e.vehicleId }),
        (week, entries) => {
          const ours = new RewardsTree(week, entries);
          const leaves: RewardLeaf[] = entries.map((e) => [week, e.vehicleId, e.beneficiary, e.amount]);
          const oz = StandardMerkleTree.of(leaves, REWARD_LEAF_ENCODING);
          expect(ours.root).toBe(oz.root);
          for (const [i, leaf] of oz.entries()) {
            const claim = ours.claimOf(leaf[1])!;
            expect(claim.proof).toEqual(oz.getProof(i));
            expect(StandardMerkleTree.verify(oz.root, REWARD_LEAF_ENCODING, leaf, claim.proof)).toBe(true);
          }
          expect(StandardMerkleTree.load(ours.dump()).root).toBe(oz.root);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("leaves out vehicles that earned nothing, and is empty (root 0) when nobody earned", () => {
    const t = new RewardsTree(3n, [
      { vehicleId: 1n, beneficiary: getAddress(`0x${"11".repeat(20)}`), amount: 0n },
    ]);
    expect(t.size).toBe(0);
    expect(t.root).toBe(`0x${"0".repeat(64)}`);
    expect(t.claimOf(1n)).toBeUndefined();
  });
});
