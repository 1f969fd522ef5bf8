import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { dimoAmount, duration, integer, privileges, tokenId, uri } from "./args.ts";

describe("command-line values", () => {
  it("reads privileges by name, by id and with the privilege: prefix, sorted and without repeats", () => {
    expect(privileges("GetLocationHistory, GetNonLocationHistory")).toEqual([1, 4]);
    expect(privileges("privilege:GetRawData,7,8")).toEqual([7, 8]);
    expect(() => privileges("GetEverything")).toThrow(
      /unknown privilege "GetEverything"; known: GetNonLocationHistory \(1\)/,
    );
    expect(() => privileges("9")).toThrow(InvalidArgumentError);
    expect(() => privileges(" , ")).toThrow(/name at least one privilege/);
  });

  it("reads durations, token ids, amounts and integers, naming what a bad value should be", () => {
    expect(duration("30d")).toBe(2_592_000);
    expect(duration("90m")).toBe(5400);
    expect(duration("3600")).toBe(3600);
    expect(() => duration("0s")).toThrow(/1 second to 100 years/);
    expect(() => duration("soon")).toThrow(/expected a duration such as 30d/);
    expect(tokenId("42")).toBe(42n);
    expect(() => tokenId("-1")).toThrow(/expected a token id/);
    expect(() => tokenId("9".repeat(78))).toThrow(/does not fit in 256 bits/);
    expect(dimoAmount("2.5")).toBe(2_500_000_000_000_000_000n);
    expect(() => dimoAmount("1e3")).toThrow(/amount of DIMO/);
    expect(integer(1, 10)("10")).toBe(10);
    expect(() => integer(1, 10)("11")).toThrow('expected an integer from 1 to 10, got "11".');
    expect(() => integer(1, 10)("1.5")).toThrow(InvalidArgumentError);
  });

  it("accepts URIs with a scheme and refuses spaces and control characters", () => {
    expect(uri("ipfs://bafy")).toBe("ipfs://bafy");
    expect(uri(" https://example.com/evidence ")).toBe("https://example.com/evidence");
    expect(() => uri("no scheme")).toThrow(/expected a URI/);
    expect(() => uri("https://a\u0000b")).toThrow(/expected a URI/);
    expect(() => uri(`https://${"a".repeat(2100)}`)).toThrow(/2048 characters/);
  });
});
