import { describe, expect, it } from "vitest";
import { erc721Did, ethrDid, InvalidDidError, parseDid, parseErc721Did } from "./did.ts";

const contract = "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF";

describe("DIDs", () => {
  it("formats and parses an asset DID with a checksummed address", () => {
    const did = erc721Did(137, contract.toLowerCase() as `0x${string}`, 7n);
    expect(did).toBe(`did:erc721:137:${contract}:7`);
    expect(parseErc721Did(did)).toEqual({ method: "erc721", chainId: 137, contract, tokenId: 7n });
  });

  it("formats an account DID", () => {
    expect(ethrDid(1, contract)).toBe(`did:ethr:1:${contract}`);
    expect(parseDid(`did:ethr:1:${contract}`)).toMatchObject({ method: "ethr", address: contract });
  });

  it.each([
    "did:erc721:137:0x123:7",
    `did:erc721:0:${contract}:7`,
    `did:erc721:137:${contract}:-1`,
    `did:erc721:137:${contract}`,
    "did:web:example.com",
    `did:erc721:137:${contract}:${"9".repeat(300)}`,
  ])("rejects %s with a clear error", (bad) => {
    expect(() => parseDid(bad)).toThrow(InvalidDidError);
  });
});
