/**
 * The device's command handler on real parts: an MQTT broker (aedes), the command link, the
 * journal on disk, a simulated car behind the actuator, and the agent's outbox, buffer,
 * forwarder and MQTT uplink carrying the signed answers. The test plays the node: it signs
 * commands with the documented EIP-712 type and reads the answers off the broker.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ingest } from "@dimo-open/node";
import { deviceLoginCredentials, parseEvent, verifyEventSignature } from "@dimo-open/stream";
import mqtt, { type MqttClient } from "mqtt";
import { type Hex, recoverMessageAddress } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBuffer } from "../buffer/event-buffer.ts";
import { createFleet } from "../simulator/fleet.ts";
import { DEVELOPMENT_MNEMONIC, simulatedDeviceElement } from "../simulator/fleet-runner.ts";
import { Forwarder } from "../uplink/forwarder.ts";
import { MqttUplink } from "../uplink/mqtt-uplink.ts";
import { Outbox } from "../uplink/outbox.ts";
import { PersistentSequence } from "../uplink/sequence-store.ts";
import { startTestBroker, type TestBroker } from "../uplink/test-broker.test-support.ts";
import { CommandHandler } from "./handler.ts";
import { CommandJournal } from "./journal.ts";
import { MqttCommandLink } from "./mqtt-link.ts";
import { SimulatedActuator } from "./simulated-actuator.ts";
import {
  type CommandName,
  CommandRefusedError,
  commandTopic,
  VEHICLE_COMMAND_TYPES,
  type VehicleCommand,
  vehicleCommandDomain,
  verifyVehicleCommand,
} from "./wire.ts";

const CHAIN_ID = 31337;
const node = mnemonicToAccount(DEVELOPMENT_MNEMONIC, { addressIndex: 4000 });
const stranger = mnemonicToAccount(DEVELOPMENT_MNEMONIC, { addressIndex: 4002 });
const element = simulatedDeviceElement(7);
const VEHICLE = "did:erc721:31337:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7";
const start = Date.UTC(2026, 0, 6, 5);
let clock = start;

let broker: TestBroker;
let nodeClient: MqttClient;
let link: MqttCommandLink;
let forwarder: Forwarder;
let uplink: MqttUplink;
let buffer: EventBuffer;
let outbox: Outbox;
let dataDir: string;
const vehicle = createFleet({ seed: "commands", size: 1, start, misbehavingShare: 0, background: false })[0]!
  .vehicle;
const actuator = new SimulatedActuator(vehicle);
let handler: CommandHandler;
const answers: {
  id: string;
  command: string;
  status: string;
  reason?: string;
  signals: Record<string, number>;
}[] = [];

function openHandler(): CommandHandler {
  return new CommandHandler({
    device: element.address,
    chainId: CHAIN_ID,
    trustedNodes: [node.address],
    actuator,
    journal: CommandJournal.open(join(dataDir, "commands"), clock),
    results: outbox,
    now: () => clock,
  });
}

beforeAll(async () => {
  broker = await startTestBroker();
  dataDir = mkdtempSync(join(tmpdir(), "dimo-commands-"));
  buffer = EventBuffer.open({ dir: join(dataDir, "buffer"), budgetBytes: 1 << 20 });
  uplink = new MqttUplink({ url: broker.url, deviceAddress: element.address });
  forwarder = new Forwarder({ buffer, uplink, retryDelayMs: 50, maxRetryDelayMs: 200 });
  outbox = new Outbox({
    signer: element,
    sequence: PersistentSequence.open(join(dataDir, "sequence.json")),
    buffer,
    codec: "json",
    identity: {
      source: element.address,
      producer: "did:erc721:31337:0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA:8",
      subject: VEHICLE,
    },
    now: () => clock,
    onAppended: () => forwarder.kick(),
  });
  await uplink.start();
  forwarder.start();
  handler = openHandler();
  // The node's side: it publishes commands and reads the device's answers.
  nodeClient = await mqtt.connectAsync(broker.url, { clientId: "node", reconnectPeriod: 0 });
  await nodeClient.subscribeAsync(`devices/${element.address}/events`, { qos: 1 });
  nodeClient.on("message", (_topic, payload) => {
    const parsed = parseEvent(payload, { contentType: "application/cloudevents+json", now: clock });
    const { signer } = verifyEventSignature(parsed, { chainId: CHAIN_ID });
    expect(signer).toBe(element.address);
    const data = parsed.event.data as {
      events: { name: string; metadata: string }[];
      signals: { name: string; value: number }[];
    };
    const m = JSON.parse(data.events[0]!.metadata) as {
      commandId: string;
      command: string;
      status: string;
      reason?: string;
    };
    answers.push({
      id: m.commandId,
      command: m.command,
      status: m.status,
      ...(m.reason && { reason: m.reason }),
      signals: Object.fromEntries(data.signals.map((s) => [s.name, s.value])),
    });
  });
  link = new MqttCommandLink({
    url: broker.url,
    device: element.address,
    credentials: () => deviceLoginCredentials(element, { chainId: CHAIN_ID, now: clock }),
  });
  await link.start((bytes) => handler.handle(bytes));
}, 30_000);

afterAll(async () => {
  await link?.stop();
  await nodeClient?.endAsync(true);
  forwarder?.stop();
  await uplink?.stop();
  buffer?.close();
  await broker?.close();
});

let counter = 0;
async function signed(name: CommandName, over: Partial<VehicleCommand> = {}, by = node) {
  const command: VehicleCommand = {
    id: `cmd-${++counter}`,
    name,
    device: element.address,
    vehicle: VEHICLE,
    issuedAt: clock,
    expiresAt: clock + 60_000,
    ...over,
  };
  const signature = await by.signTypedData({
    domain: vehicleCommandDomain(CHAIN_ID),
    types: VEHICLE_COMMAND_TYPES,
    primaryType: "VehicleCommand",
    message: { ...command, issuedAt: BigInt(command.issuedAt), expiresAt: BigInt(command.expiresAt) },
  });
  return { command, signature };
}

async function send(message: unknown): Promise<void> {
  await nodeClient.publishAsync(commandTopic(element.address), JSON.stringify(message), { qos: 1 });
}

async function answered(count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (answers.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(answers).toHaveLength(count);
}

describe("remote commands on the device", () => {
  it("verifies a command the node signed (the documented vector) and refuses it changed, late or for another device", async () => {
    // Signed by the node package's signVehicleCommand with m/44'/60'/0'/0/4000 of the development mnemonic.
    const vector = {
      command: {
        id: "5b0c2f0e-8a4b-4c1e-9d61-0a1b2c3d4e5f",
        name: "doors/lock",
        device: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        vehicle: "did:erc721:31337:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7",
        issuedAt: 1800000000000,
        expiresAt: 1800000120000,
      },
      signature:
        "0x443f0e3628ca5d9bc89eee94769d5f7b148ab05807233e81eb752160a5a175200d43420a7639935c0c86775573e6bee4cbbfcc761b864a413cb56d0fec93ecd91c" as Hex,
    };
    const check = (message: unknown, p: Partial<Parameters<typeof verifyVehicleCommand>[1]> = {}) =>
      verifyVehicleCommand(new TextEncoder().encode(JSON.stringify(message)), {
        trustedNodes: [node.address],
        chainId: CHAIN_ID,
        device: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        now: 1800000060000,
        ...p,
      });
    expect((await check(vector)).command.name).toBe("doors/lock");
    const reason = (p: Promise<unknown>) =>
      p.then(
        () => "accepted",
        (e: unknown) => (e instanceof CommandRefusedError ? e.reason : String(e)),
      );
    expect(await reason(check({ ...vector, command: { ...vector.command, name: "doors/unlock" } }))).toBe(
      "bad_signature",
    );
    expect(await reason(check(vector, { chainId: 1 }))).toBe("bad_signature");
    expect(await reason(check(vector, { trustedNodes: [stranger.address] }))).toBe("bad_signature");
    expect(await reason(check(vector, { device: element.address }))).toBe("wrong_device");
    expect(await reason(check(vector, { now: 1800000120001 }))).toBe("expired");
    expect(await reason(check({ ...vector, command: { ...vector.command, name: "windows/open" } }))).toBe(
      "malformed",
    );
    expect(
      await reason(
        verifyVehicleCommand(new TextEncoder().encode("{"), {
          trustedNodes: [],
          chainId: 1,
          device: element.address,
          now: 0,
        }),
      ),
    ).toBe("malformed");
  });

  it("logs in to a node's broker with a fresh signed login (docs/ingest.md)", async () => {
    const { username, password } = await deviceLoginCredentials(element, {
      chainId: CHAIN_ID,
      now: 1800000000000,
    });
    expect(username).toBe(element.address);
    const m = /^dimo-login-v1:1800000000000:(0x[0-9a-f]{130})$/.exec(password);
    expect(m).not.toBeNull();
    const message = `DIMO device login\ndevice: ${element.address}\nchain: ${CHAIN_ID}\ntime: 1800000000000`;
    expect(await recoverMessageAddress({ message, signature: m![1] as Hex })).toBe(element.address);
  });

  it("locks the simulated car and answers with a signed event carrying the new state", async () => {
    await send(await signed("doors/lock"));
    await answered(1);
    expect(answers[0]).toEqual({
      id: "cmd-1",
      command: "doors/lock",
      status: "executed",
      signals: { bodyLockIsLocked: 1, bodyTrunkRearIsOpen: 0, bodyTrunkFrontIsOpen: 0 },
    });
    expect(actuator.body.locked).toBe(true);
  });

  it("runs a command delivered again, or after a restart, only once — and answers each time", async () => {
    const unlock = await signed("doors/unlock");
    await send(unlock);
    await send(unlock);
    await answered(3);
    // A restart: the journal on disk remembers.
    handler = openHandler();
    await send(unlock);
    await answered(4);
    expect(actuator.executed.get("doors/unlock")).toBe(1);
    expect(answers.slice(1).map((a) => `${a.id} ${a.status}`)).toEqual([
      "cmd-2 executed",
      "cmd-2 executed",
      "cmd-2 executed",
    ]);
    expect(actuator.body.locked).toBe(false);
  });

  it("never reruns a command cut short by a power loss; answers it interrupted", async () => {
    const lock = await signed("doors/lock");
    // Power lost after the journal recorded the start, before the answer.
    CommandJournal.open(join(dataDir, "commands"), clock).begin(lock.command.id, lock.command.expiresAt);
    handler = openHandler();
    const before = actuator.executed.get("doors/lock");
    await send(lock);
    await answered(5);
    expect(answers[4]).toMatchObject({ id: lock.command.id, status: "failed", reason: "interrupted" });
    expect(actuator.executed.get("doors/lock")).toBe(before);
  });

  it("does not run an expired command (answers it expired), nor a forged one (no answer)", async () => {
    const late = await signed("doors/lock", { expiresAt: clock - 1 });
    await send(late);
    await answered(6);
    expect(answers[5]).toMatchObject({ id: late.command.id, status: "failed", reason: "expired" });
    const forged = await signed("doors/lock", {}, stranger);
    const other = await signed("doors/lock", { device: stranger.address });
    await send(forged);
    await send(other);
    await send({ command: { id: "x" }, signature: "0x00" });
    // A genuine command after them proves they were handled (in order) and left no answer.
    await send(await signed("doors/unlock"));
    await answered(7);
    expect(answers[6]).toMatchObject({ command: "doors/unlock", status: "executed" });
    expect(actuator.body.locked).toBe(false);
    expect(actuator.executed.get("doors/lock")).toBe(1);
  });

  it("refuses what the car refuses: the trunk while driving, charging without a charge port", async () => {
    // Into the day's first trip, until the car rolls (it may wait at a light).
    const trip = vehicle.trips[0]!;
    for (let t = trip.start + 60_000; t < trip.end && vehicle.truth.speedKmh <= 1; t += 30_000) {
      vehicle.advance(t, () => {});
    }
    expect(vehicle.truth.speedKmh).toBeGreaterThan(1);
    clock = Math.round(vehicle.time);
    await send(await signed("trunk/open"));
    await send(await signed("charge/start"));
    await answered(9);
    expect(answers.slice(7).map((a) => `${a.command} ${a.status} ${a.reason}`)).toEqual([
      "trunk/open failed vehicle_moving",
      "charge/start failed unsupported",
    ]);
    expect(actuator.body.trunkOpen).toBe(false);
  });
});

describe("the command link on a node's broker", () => {
  it("logs in afresh after the login window has passed and subscribes again", async () => {
    let now = 1_800_000_000_000;
    const outcomes: string[] = [];
    const guarded = await startTestBroker(0, {
      // The node's check for devices; the test's publisher (not an address) plays the node itself.
      authenticate: (username, password) => {
        if (username === "node") return true;
        try {
          ingest.verifyDeviceLogin(username, password, { chainId: CHAIN_ID, now });
          outcomes.push("accepted");
          return true;
        } catch (error) {
          outcomes.push((error as ingest.DeviceLoginError).reason);
          return false;
        }
      },
    });
    const received: string[] = [];
    const own = new MqttCommandLink({
      url: guarded.url,
      device: element.address,
      reconnectPeriodMs: 20,
      credentials: () => deviceLoginCredentials(element, { chainId: CHAIN_ID, now }),
    });
    let publisher: MqttClient | undefined;
    try {
      await own.start(async (bytes) => received.push(new TextDecoder().decode(bytes)));
      now += 10 * 60_000;
      guarded.dropClients();
      const end = Date.now() + 5000;
      while (outcomes.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      while (!own.connected && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      // Subscribed again: a command published now reaches the device.
      await new Promise((r) => setTimeout(r, 50));
      publisher = await mqtt.connectAsync(guarded.url, { username: "node", reconnectPeriod: 0 });
      await publisher.publishAsync(commandTopic(element.address), "after the reconnection", { qos: 1 });
      while (received.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      expect(outcomes).toEqual(["accepted", "accepted"]);
      expect(received).toEqual(["after the reconnection"]);
    } finally {
      await publisher?.endAsync(true);
      await own.stop();
      await guarded.close();
    }
  });
});
