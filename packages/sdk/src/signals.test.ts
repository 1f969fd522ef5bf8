import { describe, expect, it } from "vitest";
import { buildLatestQuery, buildSignalsQuery } from "./signals.ts";
import { verifyWebhookDelivery } from "./webhookSignature.ts";

describe("typed signal queries", () => {
  it("builds a signals query with aliases, aggregations, location selections and filter variables", () => {
    const { query, filters } = buildSignalsQuery({
      avg: { signal: "speed", agg: "AVG", filter: { gt: 10 } },
      where: { signal: "currentLocationCoordinates", agg: "LAST" },
    });
    expect(query).toContain("$f_avg: SignalFloatFilter");
    expect(query).toContain("avg: speed(agg: AVG, filter: $f_avg)");
    expect(query).toContain("where: currentLocationCoordinates(agg: LAST) { latitude longitude hdop }");
    expect(filters).toEqual({ f_avg: { gt: 10 } });
  });

  it("refuses unknown signals, misfit aggregations and bad aliases", () => {
    expect(() => buildSignalsQuery({ x: { signal: "warpFactor", agg: "AVG" } })).toThrow(/warpFactor/);
    expect(() => buildSignalsQuery({ x: { signal: "powertrainType", agg: "MAX" as "TOP" } })).toThrow(
      /string signal/,
    );
    expect(() => buildSignalsQuery({ "bad alias": { signal: "speed", agg: "AVG" } })).toThrow(/GraphQL name/);
  });

  it("builds the latest-values query", () => {
    expect(buildLatestQuery(["speed", "currentLocationCoordinates"])).toContain(
      "speed { timestamp value } currentLocationCoordinates { timestamp value { latitude longitude hdop } }",
    );
  });
});

describe("verifyWebhookDelivery", () => {
  it("accepts the node's signature format and refuses old or altered deliveries", async () => {
    const { createHmac } = await import("node:crypto");
    const body = '{"type":"dimo.trigger"}';
    const t = 1_700_000_000;
    const header = `t=${t},v1=${createHmac("sha256", "whsec_x").update(`${t}.${body}`).digest("hex")}`;
    expect(await verifyWebhookDelivery({ secret: "whsec_x", body, header, nowSeconds: t + 10 })).toBe(true);
    expect(
      await verifyWebhookDelivery({ secret: "whsec_x", body: `${body} `, header, nowSeconds: t + 10 }),
    ).toBe(false);
    expect(await verifyWebhookDelivery({ secret: "whsec_x", body, header, nowSeconds: t + 301 })).toBe(false);
  });
});
