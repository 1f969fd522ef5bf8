/**
 * The chain indexer on the devnet: how fast it builds the identity index from logs, how fast it
 * undoes a reorg, how long a restart takes to load the device timeline, and resolveDevice's
 * throughput.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { grantPrivileges, mintDevices, mintVehicle, transferVehicle } from "@dimo-open/protocol";
import { keccak256, toHex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { protocolFixture } from "../../../contracts/test/fixture.ts";
import { ChainIndexer } from "../src/chain/index.ts";
import { openDatabase } from "../src/db/database.ts";
import { IdentityIndex } from "../src/identity/index.ts";

const DEVICE_BATCHES = 10;
const DEVICES_PER_BATCH = 200;
const VEHICLES = 200;
const REORG_BLOCKS = 50;

export default async function bench(): Promise<string> {
  const f = await protocolFixture();
  const dir = mkdtempSync(join(tmpdir(), "indexer-bench-"));
  try {
    // Device addresses only need to be distinct; no key signs anything here.
    const addresses = Array.from({ length: DEVICE_BATCHES * DEVICES_PER_BATCH }, (_, i) =>
      privateKeyToAddress(keccak256(toHex(`bench device ${i}`))),
    );
    for (let b = 0; b < DEVICE_BATCHES; b++) {
      await mintDevices(f.maker.client, {
        manufacturerId: f.manufacturerId,
        devices: addresses
          .slice(b * DEVICES_PER_BATCH, (b + 1) * DEVICES_PER_BATCH)
          .map((deviceAddress, i) => ({ deviceAddress, serial: `SN-${b}-${i}` })),
      });
    }
    for (let i = 0; i < VEHICLES; i++) {
      await mintVehicle(f.alice.client, {
        manufacturerId: f.manufacturerId,
        make: "Ford",
        model: `M${i % 7}`,
        year: 2000 + (i % 25),
        definitionURI: "",
      });
    }

    const path = join(dir, "node.duckdb");
    let db = await openDatabase(path);
    let indexer = await ChainIndexer.create({ client: f.admin.publicClient, addresses: f.addresses, db });
    let t = performance.now();
    await indexer.syncToHead();
    const buildMs = performance.now() - t;
    const events = indexer.stats.handlerCalls;
    const head = indexer.checkpoint!.blockNumber;

    // Updates: transfers change part of a row, so their handler reads it first.
    for (let i = 0; i < VEHICLES; i++) {
      await transferVehicle(f.alice.client, { tokenId: BigInt(i + 1), to: f.bob.address });
    }
    t = performance.now();
    await indexer.syncToHead();
    const updateMs = performance.now() - t;
    const updates = indexer.stats.handlerCalls - events;

    // Reorg: REORG_BLOCKS blocks of grants, indexed, then dropped.
    const snapshot = (await f.devnet.request({ method: "evm_snapshot", params: [] })) as string;
    const expiration = (await f.now()) + 86_400n;
    for (let i = 0; i < REORG_BLOCKS; i++) {
      await grantPrivileges(f.bob.client, {
        tokenId: BigInt(i + 1),
        grantee: f.app.address,
        privileges: [1, 4],
        expiration,
        source: "ipfs://bench",
      });
    }
    await indexer.syncToHead();
    await f.devnet.request({ method: "evm_revert", params: [snapshot] });
    await f.devnet.request({ method: "evm_mine", params: [] });
    t = performance.now();
    const step = await indexer.syncOnce();
    const unwindMs = performance.now() - t;
    if (step.kind !== "reorg") throw new Error(`expected a reorg, got ${step.kind}`);
    await indexer.syncToHead();
    await db.close();

    // Restart: open the index and load the device timeline.
    db = await openDatabase(path);
    t = performance.now();
    const index = await IdentityIndex.open(db, f.addresses);
    const loadMs = performance.now() - t;
    indexer = await ChainIndexer.create({
      client: f.admin.publicClient,
      addresses: f.addresses,
      db,
      identity: index,
    });

    const at = Number(await f.now()) * 1000;
    const lookups = 1_000_000;
    t = performance.now();
    let paired = 0;
    for (let i = 0; i < lookups; i++) {
      if (index.resolveDevice(addresses[i % addresses.length]!, at).status !== "unknown") paired++;
    }
    const resolveMs = performance.now() - t;
    if (paired !== lookups) throw new Error("a bench device did not resolve");
    await db.close();

    const perSec = (n: number, ms: number) => Math.round((n / ms) * 1000).toLocaleString("en-US");
    return [
      "## Node: chain indexer (identity index from devnet logs)",
      "",
      `Devnet (in process) with the protocol deployed; ${addresses.length} devices minted in ${DEVICE_BATCHES} batches and ${VEHICLES} vehicles (one per block); the index in a DuckDB file. \`packages/node/bench/indexer.bench.ts\`.`,
      "",
      "| measured | figure |",
      "|---|---:|",
      `| build from block 0 to ${head} (${events} events with handlers, 2,000-block batches) | ${buildMs.toFixed(0)} ms (${perSec(events, buildMs)} events/s) |`,
      `| apply ${VEHICLES} vehicle transfers (${updates} events; each Transfer reads the vehicle row) | ${updateMs.toFixed(0)} ms (${perSec(updates, updateMs)} events/s) |`,
      `| reorg: detect and undo ${REORG_BLOCKS} blocks of grants (one poll) | ${unwindMs.toFixed(0)} ms |`,
      `| restart: open the index, load the timeline of ${addresses.length} devices | ${loadMs.toFixed(0)} ms |`,
      `| \`resolveDevice\` (in memory), ${lookups.toLocaleString("en-US")} lookups | ${resolveMs.toFixed(0)} ms (${perSec(lookups, resolveMs)} /s) |`,
      "",
      "Events that create or replace rows (mints, grants, version bumps) read nothing; events that change part of a row (transfers, pairings) cost one DuckDB point read the first time a batch touches the row. A batch's writes and undo images are set-based (key lists bound as parameters, appenders), so building is bound by those point reads and by one block fetch per block with events.",
    ].join("\n");
  } finally {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
