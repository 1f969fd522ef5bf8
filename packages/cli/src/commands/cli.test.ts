/**
 * The real `dimo` command, spawned as a user runs it, against a devnet stack started here: it
 * finds the network from the devnet's records alone, answers with --json, keeps keys off the
 * command line, and exits with codes a script can act on.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEVNET_MNEMONIC } from "@dimo-open/protocol/devnet";
import { bytesToHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoAccounts } from "../stack/roles.ts";
import { type DevnetStack, startDevnetStack } from "../stack/stack.ts";
import { runDimo } from "./dimo.test-support.ts";

const main = fileURLToPath(new URL("../main.ts", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "dimo-cli-"));
let stack: DevnetStack;

beforeAll(async () => {
  stack = await startDevnetStack({
    dataDir,
    ports: { chain: 0, api: 0, ingest: 0, mqtt: false, console: false },
    vehicles: 1,
    fleet: false,
    logLevel: "warn",
  });
});
afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `dimo …` in a child process (asynchronously: the devnet serves it from this process). */
const dimo = (args: string[], env: Record<string, string> = {}) => runDimo(dataDir, args, env);

const json = (r: { stdout: string }) => JSON.parse(r.stdout) as Record<string, unknown>;
const keyOf = (index: number) =>
  bytesToHex(mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: index }).getHdKey().privateKey!);

describe("dimo vehicle", () => {
  it("mints a vehicle, lists it and shows it, as JSON, with no network flags", async () => {
    const minted = await dimo([
      "vehicle",
      "mint",
      "--make",
      "Toyota",
      "--model",
      "Corolla",
      "--year",
      "2021",
      "--devnet-account",
      "alice",
      "--json",
    ]);
    expect(minted.stderr).toBe("");
    expect(minted.code).toBe(0);
    const { tokenId, owner, indexed } = json(minted) as { tokenId: string; owner: string; indexed: boolean };
    expect(owner).toBe(demoAccounts().alice.address);
    expect(indexed).toBe(true);

    const [list, show] = await Promise.all([
      dimo(["vehicle", "list", "--owner", owner, "--json"]),
      dimo(["vehicle", "show", tokenId, "--json"]),
    ]);
    expect(list.code).toBe(0);
    const vehicles = JSON.parse(list.stdout) as { tokenId: number; make: string; owner: string }[];
    expect(vehicles.map((v) => v.tokenId)).toContain(Number(tokenId));
    expect(vehicles.every((v) => v.owner === owner)).toBe(true);
    expect(json(show)).toMatchObject({
      tokenId: Number(tokenId),
      make: "Toyota",
      model: "Corolla",
      year: 2021,
      device: null,
      grants: [],
    });

    const missing = await dimo(["vehicle", "show", "999", "--json"]);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain("vehicle 999 does not exist");
  });
});

describe("dimo grant", () => {
  it("adds a grant by privilege name, lists it, revokes it, and refuses to revoke twice", async () => {
    const vehicle = stack.record.fleet.vehicles[0]!;
    const owner = vehicle.owner;
    // Bob's key from the environment: the key source most scripts use.
    const bob = await dimo(["license", "create", "--alias", "cli-test-app", "--json"], {
      DIMO_PRIVATE_KEY: keyOf(3),
    });
    expect(bob.code).toBe(0);
    const { clientId } = json(bob) as { clientId: string };

    const added = await dimo([
      "grant",
      "add",
      "--vehicle",
      vehicle.vehicleId,
      "--app",
      "cli-test-app",
      "--privileges",
      "GetNonLocationHistory,GetLocationHistory",
      "--for",
      "7d",
      "--devnet-account",
      owner,
      "--json",
    ]);
    expect(added.stderr).toBe("");
    expect(json(added)).toMatchObject({ grantee: clientId, privileges: [1, 4] });

    const listed = json(await dimo(["grant", "list", "--vehicle", vehicle.vehicleId, "--json"])) as {
      grants: { grantee: string; privilegeNames: string[] }[];
    };
    expect(listed.grants.find((g) => g.grantee === clientId)?.privilegeNames).toEqual([
      "GetNonLocationHistory",
      "GetLocationHistory",
    ]);
    // The demo app's grant is there too, untouched.
    expect(listed.grants.some((g) => g.grantee === stack.record.developer.clientId)).toBe(true);

    const revoked = await dimo([
      "grant",
      "revoke",
      "--vehicle",
      vehicle.vehicleId,
      "--grantee",
      clientId,
      "--devnet-account",
      owner,
      "--json",
    ]);
    expect(json(revoked)).toMatchObject({ revoked: true });
    const after = json(await dimo(["grant", "list", "--vehicle", vehicle.vehicleId, "--json"])) as {
      grants: { grantee: string }[];
    };
    expect(after.grants.map((g) => g.grantee)).not.toContain(clientId);

    const twice = await dimo([
      "grant",
      "revoke",
      "--vehicle",
      vehicle.vehicleId,
      "--grantee",
      clientId,
      "--devnet-account",
      owner,
    ]);
    expect(twice.code).toBe(5);
    expect(twice.stderr).toContain("holds no grant in force");

    const badName = await dimo([
      "grant",
      "add",
      "--vehicle",
      vehicle.vehicleId,
      "--app",
      "cli-test-app",
      "--privileges",
      "ReadEverything",
      "--devnet-account",
      owner,
    ]);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('unknown privilege "ReadEverything"; known: GetNonLocationHistory (1)');
  });
});

describe("keys", () => {
  it("never takes a key as an argument, and does not echo one", async () => {
    const key = keyOf(2);
    const [asOption, asValue, asPositional] = await Promise.all([
      dimo(["vehicle", "burn", "1", `--private-key=${key}`]),
      dimo(["vehicle", "burn", "1", "--keystore", key]),
      dimo(["vehicle", "show", key.slice(2)]),
    ]);
    for (const r of [asOption, asValue, asPositional]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("DIMO_PRIVATE_KEY");
      expect(r.stderr).not.toContain(key.slice(2));
    }
    expect(asOption.stderr).toContain("--private-key is not accepted");
  });

  it("refuses a keystore others can read, and signs with one that only its owner can", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dimo-keystore-"));
    try {
      const file = join(dir, "alice.json");
      writeFileSync(file, JSON.stringify({ address: demoAccounts().alice.address, privateKey: keyOf(2) }));
      chmodSync(file, 0o644);
      const open = await dimo([
        "vehicle",
        "mint",
        "--make",
        "Toyota",
        "--model",
        "Yaris",
        "--year",
        "2020",
        "--keystore",
        file,
      ]);
      expect(open.code).toBe(1);
      expect(open.stderr).toContain(
        `keystore ${file} can be read by other users (mode 644); run \`chmod 600 ${file}\` first.`,
      );

      chmodSync(file, 0o600);
      const ok = await dimo([
        "vehicle",
        "mint",
        "--make",
        "Toyota",
        "--model",
        "Yaris",
        "--year",
        "2020",
        "--keystore",
        file,
        "--json",
      ]);
      expect(ok.code).toBe(0);
      expect(json(ok).owner).toBe(demoAccounts().alice.address);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says where a key can come from when none is given", async () => {
    const r = await dimo(["vehicle", "burn", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "dimo: burning vehicle 1 needs a key: set DIMO_PRIVATE_KEY, pass --keystore <file>, or on the devnet --devnet-account <role>.\n",
    );
  });
});

describe("finding the network", () => {
  it("exits 4 with what to do when no devnet runs there", async () => {
    const empty = mkdtempSync(join(tmpdir(), "dimo-nothing-"));
    try {
      const r = await dimo(["vehicle", "list"], { DIMO_DEVNET_DIR: empty });
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(`no network: there is no devnet in ${empty} (start one with \`npm start\`)`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("dimo node", () => {
  it("stores validated settings, then runs a second node on them that indexes the chain, until Ctrl-C", async () => {
    const nodeDir = mkdtempSync(join(tmpdir(), "dimo-node-cli-"));
    try {
      const ports = ["--api-port", "0", "--ingest-port", "0", "--no-mqtt"];
      const init = await dimo([
        "node",
        "init",
        "--data-dir",
        nodeDir,
        "--rpc-url",
        stack.urls.rpcUrl,
        ...ports,
        "--json",
      ]);
      expect(init.stderr).toBe("");
      expect(json(init)).toMatchObject({
        chain: { chainId: 31337, startBlock: stack.record.startBlock },
        contracts: {
          vehicleId: stack.record.addresses.vehicleId,
          deviceModels: stack.record.hardware.deviceModels,
        },
        ingest: { mqtt: false },
      });
      const again = await dimo(["node", "init", "--data-dir", nodeDir, "--rpc-url", stack.urls.rpcUrl]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain("exists; pass --force to replace it");

      const child = spawn(
        process.execPath,
        ["--import", "tsx", main, "node", "start", "--data-dir", nodeDir, "--json"],
        {
          env: { ...process.env, DIMO_PRIVATE_KEY: "" },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      const urls = await new Promise<{ apiUrl: string }>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0]!));
        });
        child.on("exit", (code) => reject(new Error(`node exited ${code} before running`)));
      });
      const vehicleId = Number(stack.record.fleet.vehicles[0]!.vehicleId);
      const r = await fetch(`${urls.apiUrl}/identity/query`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `{ vehicle(tokenId: ${vehicleId}) { owner } }` }),
      });
      expect(((await r.json()) as { data: { vehicle: { owner: string } } }).data.vehicle.owner).toBe(
        demoAccounts()[stack.record.fleet.vehicles[0]!.owner as "alice"].address,
      );
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      rmSync(nodeDir, { recursive: true, force: true });
    }
  });
});

describe("dimo node init: the money jobs", () => {
  it("turns jobs on with where their keys are read (never a key), with the deployment's addresses", async () => {
    const nodeDir = mkdtempSync(join(tmpdir(), "dimo-node-jobs-"));
    try {
      const init = (...more: string[]) =>
        dimo(["node", "init", "--data-dir", nodeDir, "--rpc-url", stack.urls.rpcUrl, "--force", ...more]);
      const stored = await init(
        "--rewards-key",
        "env:DIMO_REWARDS_KEY",
        "--settlement-key",
        "file:operator.key",
        "--node-id",
        "1",
        "--device-stake-key",
        "file:/etc/dimo/reporter.key",
        "--json",
      );
      expect(stored.code, stored.stderr).toBe(0);
      expect(json(stored).jobs).toMatchObject({
        rewards: { dimoRewards: stack.record.rewards.dimoRewards, key: { env: "DIMO_REWARDS_KEY" } },
        settlement: { ...stack.record.payments, nodeId: 1, key: { file: "operator.key" } },
        deviceStake: {
          hardware: { deviceStake: stack.record.hardware.deviceStake },
          key: { file: "/etc/dimo/reporter.key" },
        },
      });
      const noJobs = await init("--json");
      expect(json(noJobs).jobs).toEqual({});

      const noNodeId = await init("--settlement-key", "env:OPERATOR_KEY");
      expect(noNodeId.code).toBe(2);
      expect(noNodeId.stderr).toContain("--settlement-key needs --node-id");
      const notASource = await init("--rewards-key", "0x1234");
      expect(notASource.code).toBe(2);
      expect(notASource.stderr).toContain("expected env:<VARIABLE> or file:<path>");
    } finally {
      rmSync(nodeDir, { recursive: true, force: true });
    }
  });
});

describe("dimo maker, credits, challenge", () => {
  it("reads the demo maker's licence and the app's credits, and runs a challenge to its ruling", async () => {
    const [maker, credits] = await Promise.all([
      dimo(["maker", "status", "--json"]),
      dimo(["credits", "balance", "--json"]),
    ]);
    expect(json(maker)).toMatchObject({
      manufacturerId: stack.record.maker.manufacturerId,
      name: "Open Dongle Co.",
      status: "active",
      valid: true,
      stake: stack.record.maker.licenseStake,
    });
    expect(json(credits)).toMatchObject({
      licenseId: stack.record.developer.licenseId,
      balance: stack.record.developer.credits,
    });

    const opened = await dimo([
      "challenge",
      "open",
      "--manufacturer",
      stack.record.maker.manufacturerId,
      "--evidence",
      "https://evidence.example/1",
      "--devnet-account",
      "alice",
      "--json",
    ]);
    expect(opened.stderr).toBe("");
    const { challengeId } = json(opened) as { challengeId: string };
    // Only [d]Council rules.
    const byAlice = await dimo([
      "challenge",
      "rule",
      challengeId,
      "--dismiss",
      "--ruling",
      "https://council.example/1",
      "--devnet-account",
      "alice",
    ]);
    expect(byAlice.code).toBe(5);
    const ruled = await dimo([
      "challenge",
      "rule",
      challengeId,
      "--uphold",
      "--ruling",
      "https://council.example/1",
      "--devnet-account",
      "council",
      "--json",
    ]);
    expect(json(ruled)).toMatchObject({ challengeId, status: "upheld" });
  });
});

describe("dimo device", () => {
  it("mints a device for a simulated secure element, claims it with the device's signature, pairs and unpairs it", async () => {
    const [vehicle, device] = await Promise.all([
      dimo([
        "vehicle",
        "mint",
        "--make",
        "Toyota",
        "--model",
        "Prius",
        "--year",
        "2019",
        "--devnet-account",
        "bob",
        "--json",
      ]),
      dimo(["device", "mint", "--simulated", "50", "--devnet-account", "maker", "--json"]),
    ]);
    const vehicleId = (json(vehicle) as { tokenId: string }).tokenId;
    const { devices } = json(device) as { devices: { tokenId: string; address: string }[] };
    const deviceId = devices[0]!.tokenId;

    const wrongKey = await dimo([
      "device",
      "claim",
      deviceId,
      "--simulated",
      "51",
      "--devnet-account",
      "bob",
    ]);
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toContain(`but device ${deviceId} is bound to ${devices[0]!.address}`);

    const claimed = await dimo([
      "device",
      "claim",
      deviceId,
      "--simulated",
      "50",
      "--devnet-account",
      "bob",
      "--json",
    ]);
    expect(json(claimed)).toMatchObject({ deviceId, owner: demoAccounts().bob.address });
    const paired = await dimo(["device", "pair", deviceId, vehicleId, "--devnet-account", "bob", "--json"]);
    expect(json(paired)).toMatchObject({ paired: true });
    const shown = json(await dimo(["vehicle", "show", vehicleId, "--json"])) as {
      device: { tokenId: number } | null;
    };
    expect(shown.device?.tokenId).toBe(Number(deviceId));

    const notTheirs = await dimo(["device", "unpair", deviceId, "--devnet-account", "alice"]);
    expect(notTheirs.code).toBe(5);
    expect(notTheirs.stderr).toContain("[NotDeviceOrVehicleOwner]");
    expect(
      json(await dimo(["device", "unpair", deviceId, "--devnet-account", "bob", "--json"])),
    ).toMatchObject({ paired: false });
  });
});

describe("dimo ota", () => {
  it("publishes a maker-signed release, shows its rollout, refuses a stranger's signature, and halts it", async () => {
    const image = join(dataDir, "od-1-1.1.0.img");
    writeFileSync(image, Buffer.from("OD-1 firmware 1.1.0 ".repeat(500)));
    const device = stack.record.fleet.vehicles[0]!;
    // What a device in the field asks the node (docs/ota.md): its address, board and running version.
    const offer = () =>
      fetch(
        `${stack.node.apiUrl}/v1/firmware/eth-addr/${device.deviceAddress}/update?hardware=od-1&version=1.0.0`,
      );
    expect((await offer()).status).toBe(204);

    const publish = (version: string, account: string, ...more: string[]) =>
      dimo([
        "ota",
        "publish",
        image,
        "--name",
        "od-1-firmware",
        "--version",
        version,
        "--hardware",
        "od-1",
        "--devnet-account",
        account,
        ...more,
      ]);
    const published = await publish(
      "1.1.0",
      "maker",
      "--minimum-version",
      "1.0.0",
      "--rollout",
      "100",
      "--json",
    );
    expect(published.code, published.stderr).toBe(0);
    const release = json(published) as {
      id: string;
      status: string;
      basisPoints: number;
      halted: boolean;
      signer: string;
      manifest: { imageSize: number; imageSha256: string; minimumVersion: string };
      devicesInRollout: number[];
    };
    expect(release).toMatchObject({ status: "ready", basisPoints: 10_000, halted: false });
    expect(release.signer).toBe(demoAccounts().maker.address);
    expect(release.manifest).toMatchObject({ imageSize: 10_000, minimumVersion: "1.0.0" });
    // At 100 % every device of the maker is offered it (other tests mint more of them).
    expect(release.devicesInRollout).toContain(Number(device.deviceId));
    // The device is offered it now, with the maker's signature it verifies itself.
    const offered = (await (await offer()).json()) as { releaseId: string; signature: string };
    expect(offered.releaseId).toBe(release.id);

    const status = json(await dimo(["ota", "status", "--json"])) as {
      releases: { id: string; rolloutPercent: number; halted: boolean; manifest: { version: string } }[];
    };
    expect(status.releases).toEqual([
      expect.objectContaining({ id: release.id, rolloutPercent: 100, halted: false }),
    ]);
    const text = await dimo(["ota", "status"]);
    expect(text.stdout).toMatch(/1\.1\.0\s+od-1-firmware\s+od-1\s+\*\s+uploaded\s+100%\s+(\d+)\/\1\s/);

    // Alice does not own the manufacturer: the node refuses her release and her orders.
    // A floor above the release's own version would lock devices out: refused before signing.
    const floor = await publish("1.3.0", "maker", "--minimum-version", "2.0.0");
    expect(floor.code).toBe(2);
    expect(floor.stderr).toContain("minimumVersion 2.0.0 is above the version 1.3.0");
    const stranger = await publish("1.2.0", "alice");
    expect(stranger.code).toBe(5);
    expect(stranger.stderr).toContain(`signed by ${demoAccounts().alice.address}, not by the maker`);
    expect(stranger.stderr).toContain("firmwareSigners");
    const strangerHalt = await dimo(["ota", "halt", release.id.slice(0, 12), "--devnet-account", "alice"]);
    expect(strangerHalt.code).toBe(5);
    expect(strangerHalt.stderr).toContain("not by the maker");

    const halted = await dimo([
      "ota",
      "halt",
      release.id.slice(0, 12),
      "--devnet-account",
      "maker",
      "--json",
    ]);
    expect(halted.code, halted.stderr).toBe(0);
    expect(json(halted)).toMatchObject({ id: release.id, halted: true, devicesInRollout: [] });
    expect((await offer()).status).toBe(204);
    const shown = await dimo(["ota", "status", "--release", release.id.slice(0, 10), "--json"]);
    expect(shown.code, shown.stderr).toBe(0);
    const after = json(shown) as { releases: { halted: boolean }[] };
    expect(after.releases).toEqual([expect.objectContaining({ halted: true })]);
    const twice = await dimo(["ota", "halt", release.id.slice(0, 10), "--devnet-account", "maker"]);
    expect(twice.code).toBe(5);
    expect(twice.stderr).toContain("halted already");
  });
});
