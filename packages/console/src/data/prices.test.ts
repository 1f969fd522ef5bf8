import { describe, expect, it } from "vitest";
import { priceLines } from "./prices.ts";

describe("priceLines", () => {
  it("writes the node's price list in words, units included", () => {
    expect(
      priceLines({
        version: "2025-06-01",
        creditUsd: 0.001,
        perVehicleQuery: 1,
        complexityPerCredit: 1000,
        tokenExchange: 0,
        newThing: 2,
      }),
    ).toEqual([
      ["Price list", "version 2025-06-01"],
      ["One credit", "$0.001"],
      ["Telemetry query, per vehicle", "1 credit"],
      ["…plus one credit per", "1,000 complexity points"],
      ["Token exchange", "0 credits"],
      ["New thing", "2 credits"],
    ]);
  });
});
