import { erc721Did } from "@dimo-open/protocol";
import { cellToLatLng, latLngToCell } from "h3-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../db/database.ts";
import { type ApiWorld, exchange, grantToLicense, post, signIn, startApiWorld } from "./e2e.test-support.ts";
import { createApiServer } from "./server.ts";
import { storeSamples } from "./telemetry.test-support.ts";

const T0 = Date.parse("2025-01-01T00:00:00Z");
const MIN = 60_000;
const at = (minutes: number) => T0 + minutes * MIN;
const iso = (ms: number) => new Date(ms).toISOString();
const BERLIN = { latitude: 52.52, longitude: 13.405, hdop: 1.2 };
const PARIS = { latitude: 48.8566, longitude: 2.3522, hdop: 0.9 };

// biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary GraphQL JSON
type Json = any;
interface GraphQLBody {
  data?: Json;
  errors?: { message: string; path?: unknown[]; extensions?: Json }[];
  extensions?: Json;
}

let w: ApiWorld;
let fullToken: string;
let developer: string;

async function query(
  token: string,
  q: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const r = await post(
    `${w.url}/telemetry/query`,
    { query: q, variables },
    { authorization: `Bearer ${token}`, ...headers },
  );
  return {
    status: r.status,
    headers: r.headers,
    body: (await r.json()) as GraphQLBody,
  };
}

async function vehicleToken(privileges: number[], tokenId = w.vehicleId) {
  const r = await exchange(w, developer, privileges, tokenId);
  expect(r.status).toBe(200);
  return ((await r.json()) as { token: string }).token;
}

beforeAll(async () => {
  w = await startApiWorld();
  const subject = erc721Did(w.chainId, w.chain.addresses.vehicleId, w.vehicleId);
  await storeSamples(
    w.database,
    subject,
    [
      { name: "speed", timestamp: at(10), value: 10 },
      { name: "speed", timestamp: at(20), value: 20 },
      { name: "speed", timestamp: at(30), value: 60 },
      { name: "speed", timestamp: at(70), value: 30 },
      { name: "speed", timestamp: at(80), value: 50 },
      { name: "powertrainType", timestamp: at(5), value: "COMBUSTION" },
      { name: "powertrainType", timestamp: at(15), value: "HYBRID" },
      { name: "powertrainType", timestamp: at(25), value: "HYBRID" },
      { name: "currentLocationCoordinates", timestamp: at(10), value: BERLIN },
      { name: "currentLocationCoordinates", timestamp: at(20), value: PARIS },
    ],
    {
      events: [
        { name: "behavior.harshBraking", timestamp: at(12), durationNs: 1500, metadata: '{"counter":1}' },
      ],
    },
  );
  // Another vehicle's data must never show up.
  await storeSamples(w.database, erc721Did(w.chainId, w.chain.addresses.vehicleId, 999n), [
    { name: "speed", timestamp: at(10), value: 999 },
  ]);
  await storeSamples(w.database, subject, [], { vin: "1HGCM82633A004352", events: [] });
  await grantToLicense(w, [1, 4, 5], 3600);
  developer = await signIn(w);
  fullToken = await vehicleToken([1, 4, 5]);
});
afterAll(async () => {
  await w?.close();
});

const SIGNALS = (tokenId: bigint | number) => `{
  signals(tokenId: ${tokenId}, interval: "1h", from: "${iso(T0)}", to: "${iso(at(120))}") {
    timestamp
    avg: speed(agg: AVG)
    max: speed(agg: MAX)
  }
}`;

describe("telemetry signals", () => {
  it("returns AVG and MAX over 1h buckets starting at `from`, exactly the stored values", async () => {
    const { status, body } = await query(fullToken, SIGNALS(w.vehicleId));
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.signals).toEqual([
      { timestamp: iso(T0), avg: 30, max: 60 },
      { timestamp: iso(at(60)), avg: 40, max: 50 },
    ]);
  });

  it("starts buckets at `from`, not at the hour", async () => {
    const { body } = await query(
      fullToken,
      `{ signals(tokenId: ${w.vehicleId}, interval: "30m", from: "${iso(at(15))}", to: "${iso(at(75))}") { timestamp speed(agg: FIRST) } }`,
    );
    expect(body.data.signals).toEqual([
      { timestamp: iso(at(15)), speed: 20 },
      { timestamp: iso(at(45)), speed: 30 },
    ]);
  });

  it("answers every float aggregation and value filter", async () => {
    const { body } = await query(
      fullToken,
      `query Q($id: Int!, $from: Time!, $to: Time!) {
        signals(tokenId: $id, interval: "2h", from: $from, to: $to) {
          med: speed(agg: MED) min: speed(agg: MIN) first: speed(agg: FIRST) last: speed(agg: LAST) rand: speed(agg: RAND)
          gt: speed(agg: AVG, filter: { gt: 15 })
          either: speed(agg: MAX, filter: { lt: 15, or: [{ eq: 30 }] })
          inList: speed(agg: MIN, filter: { in: [20, 50] })
          notIn: speed(agg: MAX, filter: { notIn: [60] })
          none: speed(agg: AVG, filter: { gt: 1000 })
        }
      }`,
      { id: Number(w.vehicleId), from: iso(T0), to: iso(at(120)) },
    );
    expect(body.errors).toBeUndefined();
    const [b] = body.data.signals;
    expect(b).toMatchObject({
      med: 30,
      min: 10,
      first: 10,
      last: 50,
      gt: 40,
      either: 30,
      inList: 20,
      notIn: 50,
      none: null,
    });
    expect([10, 20, 60, 30, 50]).toContain(b.rand);
  });

  it("answers string aggregations", async () => {
    const { body } = await query(
      fullToken,
      `{ signals(tokenId: ${w.vehicleId}, interval: "1h", from: "${iso(T0)}", to: "${iso(at(60))}") {
        top: powertrainType(agg: TOP) unique: powertrainType(agg: UNIQUE) first: powertrainType(agg: FIRST)
        last: powertrainType(agg: LAST) rand: powertrainType(agg: RAND) } }`,
    );
    expect(body.data.signals).toEqual([
      expect.objectContaining({
        top: "HYBRID",
        unique: "COMBUSTION,HYBRID",
        first: "COMBUSTION",
        last: "HYBRID",
      }),
    ]);
    expect(["COMBUSTION", "HYBRID"]).toContain(body.data.signals[0].rand);
  });

  it("answers location aggregations and filters", async () => {
    const { body } = await query(
      fullToken,
      `{ signals(tokenId: ${w.vehicleId}, interval: "1h", from: "${iso(T0)}", to: "${iso(at(60))}") {
        avg: currentLocationCoordinates(agg: AVG) { latitude longitude hdop }
        first: currentLocationCoordinates(agg: FIRST) { latitude longitude hdop }
        last: currentLocationCoordinates(agg: LAST) { latitude longitude }
        nearBerlin: currentLocationCoordinates(agg: LAST, filter: { inCircle: { center: { latitude: 52.5, longitude: 13.4 }, radius: 10 } }) { latitude }
        inFrance: currentLocationCoordinates(agg: LAST, filter: { inPolygon: [
          { latitude: 51.1, longitude: -5.1 }, { latitude: 51.1, longitude: 8.2 }, { latitude: 42.3, longitude: 8.2 }, { latitude: 42.3, longitude: -5.1 } ] }) { latitude }
        approx: currentLocationApproximateCoordinates(agg: LAST) { latitude longitude }
      } }`,
    );
    expect(body.errors).toBeUndefined();
    const [b] = body.data.signals;
    expect(b.avg.latitude).toBeCloseTo((BERLIN.latitude + PARIS.latitude) / 2, 10);
    expect(b.avg.hdop).toBeCloseTo((BERLIN.hdop + PARIS.hdop) / 2, 10);
    expect(b.first).toEqual(BERLIN);
    expect(b.last).toEqual({ latitude: PARIS.latitude, longitude: PARIS.longitude });
    expect(b.nearBerlin).toEqual({ latitude: BERLIN.latitude });
    expect(b.inFrance).toEqual({ latitude: PARIS.latitude });
    const [lat, lng] = cellToLatLng(latLngToCell(PARIS.latitude, PARIS.longitude, 6));
    expect(b.approx).toEqual({ latitude: lat, longitude: lng });
    expect(b.approx.latitude).not.toBe(PARIS.latitude);
  });

  it("never mixes in another vehicle's data, and filters by source", async () => {
    const { body } = await query(
      fullToken,
      `{ signals(tokenId: ${w.vehicleId}, interval: "2h", from: "${iso(T0)}", to: "${iso(at(120))}", filter: { source: "0xnone" }) { speed(agg: MAX) } }`,
    );
    expect(body.data.signals).toEqual([]);
  });
});

describe("telemetry latest, summary, events, VIN", () => {
  it("returns the latest value of each signal and lastSeen", async () => {
    const { body } = await query(
      fullToken,
      `{ signalsLatest(tokenId: ${w.vehicleId}) { lastSeen speed { timestamp value } powertrainType { value }
         currentLocationCoordinates { value { latitude longitude } } exteriorAirTemperature { value } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.signalsLatest).toEqual({
      lastSeen: iso(at(80)),
      speed: { timestamp: iso(at(80)), value: 50 },
      powertrainType: { value: "HYBRID" },
      currentLocationCoordinates: { value: { latitude: PARIS.latitude, longitude: PARIS.longitude } },
      exteriorAirTemperature: null,
    });
  });

  it("lists available signals, summarises data, lists events and the latest VIN", async () => {
    const { body } = await query(
      fullToken,
      `{ availableSignals(tokenId: ${w.vehicleId})
         dataSummary(tokenId: ${w.vehicleId}) { numberOfSignals firstSeen lastSeen signalDataSummary { name numberOfSignals } }
         events(tokenId: ${w.vehicleId}, from: "${iso(T0)}", to: "${iso(at(60))}", filter: { name: { eq: "behavior.harshBraking" } }) { timestamp name durationNs metadata }
         vinVCLatest(tokenId: ${w.vehicleId}) { vin vehicleTokenId } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.availableSignals).toEqual([
      "currentLocationApproximateCoordinates",
      "currentLocationCoordinates",
      "powertrainType",
      "speed",
    ]);
    expect(body.data.dataSummary).toMatchObject({
      numberOfSignals: 10,
      firstSeen: iso(at(5)),
      lastSeen: iso(at(80)),
    });
    expect(body.data.events).toEqual([
      { timestamp: iso(at(12)), name: "behavior.harshBraking", durationNs: 1500, metadata: '{"counter":1}' },
    ]);
    expect(body.data.vinVCLatest).toEqual({ vin: "1HGCM82633A004352", vehicleTokenId: Number(w.vehicleId) });
  });
});

describe("telemetry authorisation", () => {
  it("refuses a location field without the location privilege and still serves the others", async () => {
    const token = await vehicleToken([1]);
    const { status, body } = await query(
      token,
      `{ signals(tokenId: ${w.vehicleId}, interval: "1h", from: "${iso(T0)}", to: "${iso(at(120))}") {
           timestamp speed(agg: MAX) currentLocationCoordinates(agg: LAST) { latitude } }
         latest: signalsLatest(tokenId: ${w.vehicleId}) { speed { value } currentLocationCoordinates { value { latitude } } } }`,
    );
    expect(status).toBe(200);
    expect(body.data.signals.map((b: { speed: number }) => b.speed)).toEqual([60, 50]);
    expect(body.data.signals[0].currentLocationCoordinates).toBeNull();
    expect(body.data.latest).toEqual({ speed: { value: 50 }, currentLocationCoordinates: null });
    const messages = body.errors!.map((e) => e.message);
    expect(messages).toContain("unauthorized: missing required privilege(s) privilege:GetLocationHistory");
    // one error per field, not one per bucket
    expect(body.errors!.filter((e) => (e.path as string[]).includes("signals"))).toHaveLength(1);
  });

  it("refuses events and VIN without their privileges", async () => {
    const token = await vehicleToken([4]);
    const { body } = await query(
      token,
      `{ events(tokenId: ${w.vehicleId}, from: "${iso(T0)}", to: "${iso(at(60))}") { name } vinVCLatest(tokenId: ${w.vehicleId}) { vin } }`,
    );
    expect(body.data).toEqual({ events: null, vinVCLatest: null });
    expect(body.errors!.map((e) => e.message).sort()).toEqual([
      "unauthorized: missing required privilege(s) privilege:GetNonLocationHistory",
      "unauthorized: missing required privilege(s) privilege:GetVINCredential",
    ]);
  });

  it("refuses a token for another vehicle", async () => {
    const { body } = await query(fullToken, SIGNALS(w.vehicleId + 1n));
    expect(body.data.signals).toBeNull();
    expect(body.errors![0]!.message).toContain(`the token is for vehicle ${w.vehicleId}`);
  });

  it("answers 401 to a developer token, a forged token and no token", async () => {
    expect((await query(developer, SIGNALS(w.vehicleId))).status).toBe(401);
    const [h, p] = fullToken.split(".");
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, "base64url").toString()), privilege_ids: [1, 2, 3, 4, 5, 6, 7, 8] })).toString("base64url")}.${fullToken.split(".")[2]}`;
    expect((await query(tampered, SIGNALS(w.vehicleId))).status).toBe(401);
    expect((await query("", SIGNALS(w.vehicleId))).status).toBe(401);
  });
});

describe("telemetry token lifetime", () => {
  it("answers 401 to an expired vehicle token signed by the node itself", async () => {
    const claims = JSON.parse(Buffer.from(fullToken.split(".")[1]!, "base64url").toString());
    const { iss, aud, sub, exp: _exp, iat: _iat, jti: _jti, ...rest } = claims;
    const expired = await w.api.services.keys.sign(rest, {
      issuer: iss,
      audience: aud,
      subject: sub,
      expiresInSeconds: -5,
    });
    const { status } = await query(expired, SIGNALS(w.vehicleId));
    expect(status).toBe(401);
  });
});

describe("telemetry cost, metering and access log", () => {
  it("estimates the cost with X-Estimate-Cost without running or charging", async () => {
    const before = await balance();
    const { body, headers } = await query(fullToken, SIGNALS(w.vehicleId), undefined, {
      "x-estimate-cost": "true",
    });
    expect(body.extensions.cost).toEqual({ complexity: 4, maxComplexity: 50_000, credits: 1 });
    expect(headers.get("x-estimate-cost")).toBe("4");
    expect(body.data).toBeUndefined();
    expect(await balance()).toBe(before);
  });

  it("refuses a query above the complexity limit", async () => {
    const { status, body } = await query(
      fullToken,
      `{ signals(tokenId: ${w.vehicleId}, interval: "1m", from: "${iso(T0)}", to: "${iso(T0 + 6 * 86_400_000)}") { a: speed(agg: AVG) b: speed(agg: MAX) c: speed(agg: MIN) d: speed(agg: MED) e: speed(agg: LAST) f: speed(agg: FIRST) } }`,
    );
    expect(status).toBe(400);
    expect(body.errors![0]!.extensions.code).toBe("COMPLEXITY_LIMIT_EXCEEDED");
  });

  it("charges by the price list once per request id and reports usage per vehicle", async () => {
    const before = await balance();
    const headers = { "x-request-id": "req-metering-1" };
    const first = await query(fullToken, SIGNALS(w.vehicleId), undefined, headers);
    expect(first.headers.get("x-credits-charged")).toBe("1");
    await query(fullToken, SIGNALS(w.vehicleId), undefined, headers);
    expect(await balance()).toBe(before - 1);
    const usage = (await (
      await fetch(`${w.url}/v1/credits/usage`, { headers: { authorization: `Bearer ${developer}` } })
    ).json()) as {
      vehicles: { vehicleId: string; operation: string; credits: number }[];
    };
    expect(
      usage.vehicles.find((v) => v.vehicleId === String(w.vehicleId) && v.operation === "telemetry_query")
        ?.credits,
    ).toBeGreaterThanOrEqual(1);
  });

  it("refuses with 402 when the licence has no credits", async () => {
    const database = await openDatabase(":memory:");
    const broke = await createApiServer({
      chain: w.chain,
      chainId: w.chainId,
      database,
      processMetrics: false,
    });
    const { url } = await broke.listen();
    try {
      const world = { ...w, url, api: broke };
      const dev = await signIn(world);
      const token = ((await (await exchange(world, dev, [1])).json()) as { token: string }).token;
      const r = await post(
        `${url}/telemetry/query`,
        { query: SIGNALS(w.vehicleId) },
        { authorization: `Bearer ${token}` },
      );
      expect(r.status).toBe(402);
      expect(((await r.json()) as { error: string; message: string }).message).toMatch(
        /has 0 credits; this request costs 1/,
      );
    } finally {
      await broke.close();
      await database.close();
    }
  });

  it("records each query in the owner's access log with the signals read", async () => {
    await query(fullToken, SIGNALS(w.vehicleId), undefined, { "x-request-id": "req-log-1" });
    const owner = await signIn(w, {
      clientId: w.f.alice.address,
      domain: "https://owner.example",
      signer: w.f.alice.account,
    });
    const { entries } = (await (
      await fetch(`${w.url}/v1/vehicles/${w.vehicleId}/access-log`, {
        headers: { authorization: `Bearer ${owner}` },
      })
    ).json()) as {
      entries: { operation: string; fields: string[]; requestId: string; outcome: string }[];
    };
    expect(entries.find((e) => e.requestId === "req-log-1")).toMatchObject({
      operation: "telemetry_query",
      fields: ["speed"],
      outcome: "ok",
    });
  });

  async function balance(): Promise<number> {
    const r = await fetch(`${w.url}/v1/credits/balance`, {
      headers: { authorization: `Bearer ${developer}` },
    });
    return ((await r.json()) as { balance: number }).balance;
  }
});
