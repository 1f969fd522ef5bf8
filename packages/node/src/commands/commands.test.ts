/**
 * Remote commands end to end on the node's real components: a devnet with the protocol, a
 * developer licence signing in and exchanging vehicle tokens at the API, the chain index, the
 * embedded MQTT broker and ingest into DuckDB, and the command service. The device here speaks
 * the documented wire protocol (docs/commands.md) with the stream package and viem — the
 * reference device's handler (packages/device/src/commands) has its own tests; the node does not
 * depend on the device package.
 */
import {
  claimDevice,
  claimDeviceMessage,
  erc721Did,
  mintDevices,
  pairDevice,
  revokeGrant,
  signTypedMessage,
} from "@dimo-open/protocol";
import { jsonCodec, privateKeySigner, signDeviceEvent } from "@dimo-open/stream";
import mqtt, { type MqttClient } from "mqtt";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiWorld, exchange, grantToLicense, signIn, startApiWorld } from "../api/e2e.test-support.ts";
import { SerialConnection } from "../api/sql.ts";
import { devAccount, devKey } from "../device-services/world.test-support.ts";
import {
  createIngest,
  deviceLoginCredentials,
  type Ingest,
  type MqttBroker,
  startMqttBroker,
} from "../ingest/index.ts";
import { createCommandsHandler } from "./routes.ts";
import { CommandService } from "./service.ts";
import { aedesCommandTransport } from "./transport.ts";
import { commandTopic, recoverCommandSigner, type SignedVehicleCommand, signVehicleCommand } from "./wire.ts";

const NODE_KEY = devAccount(4000);
const DEVICE_KEY = devKey(4001);

let w: ApiWorld;
let ingest: Ingest;
let broker: MqttBroker;
let commands: CommandService;
let offset = 0;
const clock = () => Date.now() + offset;
let deviceId: bigint;
let developerToken: string;

/** A device speaking the wire protocol: verifies, executes once, answers with a signed event. */
class TestDevice {
  readonly signer = privateKeySigner(DEVICE_KEY);
  client: MqttClient | undefined;
  locked = false;
  executions: string[] = [];
  received = 0;
  #sequence = 0n;
  readonly #done = new Set<string>();

  async connect(): Promise<void> {
    const login = await deviceLoginCredentials(this.signer, { chainId: w.chainId, now: clock() });
    this.client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
      clientId: `${this.signer.address}-commands`,
      ...login,
      reconnectPeriod: 0,
    });
    this.client.on("message", (_topic, payload) => {
      this.received++;
      this.#handle(JSON.parse(payload.toString()) as SignedVehicleCommand).catch(() => {});
    });
    await this.client.subscribeAsync(commandTopic(this.signer.address), { qos: 1 });
  }

  async disconnect(): Promise<void> {
    await this.client?.endAsync(true);
    this.client = undefined;
  }

  async #handle(signed: SignedVehicleCommand): Promise<void> {
    const c = signed.command;
    if ((await recoverCommandSigner(signed, w.chainId)) !== NODE_KEY.address) return;
    if (c.device !== this.signer.address || clock() > c.expiresAt || this.#done.has(c.id)) return;
    this.#done.add(c.id);
    this.executions.push(c.name);
    if (c.name === "doors/lock") this.locked = true;
    if (c.name === "doors/unlock") this.locked = false;
    const t = clock();
    const event = await signDeviceEvent(
      {
        specversion: "1.0",
        id: `result-${c.id}`,
        source: this.signer.address,
        producer: erc721Did(w.chainId, w.f.addresses.aftermarketDeviceId, deviceId),
        subject: c.vehicle,
        time: new Date(t).toISOString(),
        type: "dimo.events",
        dimosequence: ++this.#sequence,
        data: {
          timestamp: t,
          events: [
            {
              name: "commandResult",
              timestamp: t,
              metadata: JSON.stringify({ commandId: c.id, command: c.name, status: "executed" }),
            },
          ],
          signals: [{ timestamp: t, name: "bodyLockIsLocked", value: this.locked ? 1 : 0 }],
        },
      },
      this.signer,
      { limits: { maxFutureSkewMs: 500 * 86_400_000 } },
    );
    await this.client!.publishAsync(
      `devices/${this.signer.address}/events`,
      Buffer.from(jsonCodec.encode(event)),
      {
        qos: 1,
      },
    );
  }
}

const device = new TestDevice();
let handler: ReturnType<typeof createCommandsHandler> | undefined;

beforeAll(async () => {
  w = await startApiWorld({
    mounts: {
      "/v1/vehicle": async (request) =>
        (await handler?.(request)) ?? Response.json({ code: 404, error: "not_found" }, { status: 404 }),
    },
  });
  // The maker mints the device; alice claims it (with its signature) and pairs it with her car.
  const minted = await mintDevices(w.f.maker.client, {
    manufacturerId: w.f.manufacturerId,
    devices: [{ deviceAddress: device.signer.address }],
  });
  deviceId = minted.tokenIds[0]!;
  const message = await claimDeviceMessage(w.f.alice.client, {
    deviceId,
    deviceAddress: device.signer.address,
    owner: w.f.alice.address,
    deadline: (await w.f.now()) + 10_000n,
  });
  await claimDevice(
    w.f.alice.client,
    message,
    await signTypedMessage(privateKeyToAccount(DEVICE_KEY), message),
  );
  await pairDevice(w.f.alice.client, { deviceId, vehicleId: w.vehicleId });
  await w.sync();
  // The node's clock runs from the chain's (the devnet starts in the future).
  offset = Number(await w.f.now()) * 1000 + 60_000 - Date.now();

  ingest = createIngest({
    db: w.database,
    directory: w.identity,
    chainId: w.chainId,
    vehiclesContract: w.f.addresses.vehicleId,
    devicesContract: w.f.addresses.aftermarketDeviceId,
    now: clock,
  });
  await ingest.start();
  broker = await startMqttBroker({ ingest, directory: w.identity, chainId: w.chainId, port: 0, now: clock });
  commands = await CommandService.open({
    sql: await SerialConnection.open(w.database),
    chain: w.chain,
    chainId: w.chainId,
    identity: w.identity,
    signer: NODE_KEY,
    transport: aedesCommandTransport(broker.broker),
    resultPollMs: 50,
    redeliverMs: 300,
    now: clock,
  });
  commands.start();
  handler = createCommandsHandler({ commands, keys: w.api.services.keys, issuer: w.api.services.issuer });
  developerToken = await signIn(w);
}, 120_000);

afterAll(async () => {
  await device.disconnect();
  await commands?.stop();
  await broker?.close();
  await ingest?.stop();
  await w?.close();
});

async function vehicleToken(privileges: number[]): Promise<string> {
  const response = await exchange(w, developerToken, privileges);
  const body = (await response.json()) as { token: string };
  if (!response.ok) throw new Error(JSON.stringify(body));
  return body.token;
}

const post = (path: string, token: string, init: { body?: unknown; headers?: Record<string, string> } = {}) =>
  fetch(`${w.url}/v1/vehicle/${w.vehicleId}/commands/${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
    body: JSON.stringify(init.body ?? {}),
  });
const status = async (id: string, token: string, wait = 0) =>
  (await fetch(`${w.url}/v1/vehicle/${w.vehicleId}/commands/${id}?wait=${wait}`, {
    headers: { authorization: `Bearer ${token}` },
  }).then((r) => r.json())) as Record<string, unknown>;

describe("remote commands", () => {
  it("signs commands exactly as documented (the vector the device package verifies)", async () => {
    const signed = await signVehicleCommand(
      NODE_KEY,
      {
        id: "5b0c2f0e-8a4b-4c1e-9d61-0a1b2c3d4e5f",
        name: "doors/lock",
        device: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        vehicle: "did:erc721:31337:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7",
        issuedAt: 1800000000000,
        expiresAt: 1800000120000,
      },
      31337,
    );
    expect(NODE_KEY.address).toBe("0x60196d2079346DD053101CCc30249277117fd019");
    expect(signed.signature).toBe(
      "0x443f0e3628ca5d9bc89eee94769d5f7b148ab05807233e81eb752160a5a175200d43420a7639935c0c86775573e6bee4cbbfcc761b864a413cb56d0fec93ecd91c",
    );
    expect(await recoverCommandSigner(signed, 31337)).toBe(NODE_KEY.address);
  });

  it("locks the doors for an app holding privilege 2: delivered signed, executed once, answered with a signed event", async () => {
    await grantToLicense(w, [1, 2]);
    await w.sync();
    await device.connect();
    const token = await vehicleToken([2]);
    const response = await post("doors/lock", token);
    expect(response.status).toBe(200);
    const { requestId } = (await response.json()) as { requestId: string };
    const done = await status(requestId, token, 10);
    expect(done).toMatchObject({ id: requestId, command: "doors/lock", status: "Complete" });
    expect(device.locked).toBe(true);
    // The node keeps sending pending commands; after the answer it stops, and the device never repeats one.
    await commands.deliverPending();
    await new Promise((r) => setTimeout(r, 400));
    expect(device.executions).toEqual(["doors/lock"]);
    // The answer is a signed event in the raw archive, and the new state a stored signal.
    const rows = await (await w.database.connect()).runAndReadAll(
      "SELECT e.signer, s.value_number FROM cloud_events e JOIN signals s ON s.event_id = e.id WHERE s.name = 'bodyLockIsLocked'",
    );
    expect(rows.getRowObjectsJS()).toEqual([{ signer: device.signer.address, value_number: 1 }]);
  });

  it("refuses an app without privilege 2, and one whose grant was revoked since its token", async () => {
    const withoutCommands = await vehicleToken([1]);
    const refused = await post("doors/unlock", withoutCommands);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: "missing_privileges" });

    const token = await vehicleToken([2]);
    await revokeGrant(w.f.alice.client, { tokenId: w.vehicleId, grantee: w.clientId });
    const revoked = await post("doors/unlock", token);
    expect(revoked.status).toBe(403);
    expect(await revoked.json()).toMatchObject({ error: "grant_revoked" });
    expect((await post("doors/unlock", "not-a-token")).status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(device.executions).toEqual(["doors/lock"]);
    expect(device.locked).toBe(true);
    await grantToLicense(w, [1, 2]);
  });

  it("does not execute a command whose device slept past its deadline", async () => {
    const token = await vehicleToken([2]);
    await device.disconnect();
    const { requestId } = (await (
      await post("doors/unlock", token, { body: { expiresInSeconds: 10 } })
    ).json()) as {
      requestId: string;
    };
    expect(await status(requestId, token)).toMatchObject({ status: "Pending" });
    offset += 11_000;
    await commands.expire();
    expect(await status(requestId, token)).toMatchObject({ status: "Failed", reason: "expired" });
    const received = device.received;
    await device.connect();
    await commands.deliverPending();
    await new Promise((r) => setTimeout(r, 400));
    // Nothing was sent to the device once it woke: the command is over.
    expect(device.received).toBe(received);
    expect(device.locked).toBe(true);
    expect((await post("doors/unlock", token, { body: { expiresInSeconds: 5 } })).status).toBe(400);
  });

  it("answers a retried request with the same command, and the device runs it once", async () => {
    const token = await vehicleToken([2]);
    const headers = { "idempotency-key": "unlock-after-parking-42" };
    const first = (await (await post("doors/unlock", token, { headers })).json()) as { requestId: string };
    const second = (await (await post("doors/unlock", token, { headers })).json()) as { requestId: string };
    expect(second.requestId).toBe(first.requestId);
    expect(await status(first.requestId, token, 10)).toMatchObject({ status: "Complete" });
    expect(device.executions).toEqual(["doors/lock", "doors/unlock"]);
    expect(device.locked).toBe(false);
    // Unknown commands are 404; a body that is not JSON is a 400 (nothing is sent).
    expect((await post("windows/open", token)).status).toBe(404);
    const malformed = await fetch(`${w.url}/v1/vehicle/${w.vehicleId}/commands/doors/lock`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{",
    });
    expect(malformed.status).toBe(400);
    expect(device.executions).toEqual(["doors/lock", "doors/unlock"]);
  });
});
