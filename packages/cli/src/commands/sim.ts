/**
 * `dimo sim start`: attach more simulated vehicles to the running devnet, in this process. Each
 * gets a vehicle minted by a demo owner, a device minted by the demo maker and bound to a
 * simulated device key, claimed with the device's signature, paired, and granted to the demo
 * app; then its device agent streams signed events to the node until Ctrl-C. The vehicles are
 * recorded in `<devnet-dir>/sim.json`, so the next `sim start` resumes them.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { erc721Did, withHardware } from "@dimo-open/protocol";
import type { Command } from "commander";
import pino from "pino";
import { z } from "zod";
import { integer } from "../args.ts";
import { writer } from "../chain.ts";
import { CliError, ExitCode } from "../errors.ts";
import { runUntilInterrupted } from "../interrupt.ts";
import { resolveSigner } from "../keys.ts";
import { networkOptions } from "../network.ts";
import { output } from "../output.ts";
import { simulatedDevice, startSimulatedVehicles } from "../stack/fleet.ts";
import {
  claimAndPair,
  grantVehicles,
  mintSimulatedDevices,
  mintSimulatedVehicles,
  simulatedModel,
} from "../stack/provision.ts";
import { readStackUrls, StackRecordSchema } from "../stack/record.ts";
import { DEMO_GRANT_PRIVILEGES, DEMO_GRANT_SOURCE } from "../stack/setup.ts";
import { type CommonOptions, context, identity, waitForIndex } from "./common.ts";

const SIM_FILE = "sim.json";
const SimRecordSchema = z.object({ vehicles: StackRecordSchema.shape.fleet.shape.vehicles });
type SimVehicle = z.infer<typeof SimRecordSchema>["vehicles"][number];

function readSim(dir: string): SimVehicle[] {
  const file = join(dir, SIM_FILE);
  if (!existsSync(file)) return [];
  const parsed = SimRecordSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success)
    throw new CliError(`${file} is not a simulator record; delete it to start the extra vehicles over.`);
  return parsed.data.vehicles;
}

function writeSim(dir: string, vehicles: SimVehicle[]): void {
  const file = join(dir, SIM_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ vehicles }, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function registerSimCommands(program: Command): void {
  const sim = program.command("sim").description("simulated vehicles on the devnet");

  networkOptions(sim.command("start"))
    .description("attach more simulated vehicles to the running devnet (until Ctrl-C)")
    .option(
      "--vehicles <n>",
      "how many extra vehicles run (those of earlier runs are reused)",
      integer(1, 100),
      1,
    )
    .option(
      "--event-interval <ms>",
      "how often each device sends a signed status event",
      integer(200, 600_000),
      5000,
    )
    .option("--json", "print one JSON line describing the vehicles once they run")
    .action(async (o: CommonOptions & { vehicles: number; eventInterval: number }) => {
      const ctx = await context(o);
      const out = output({ json: o.json ?? false });
      const devnet = ctx.network.devnet;
      if (!devnet)
        throw new CliError(
          "sim start works on the local devnet (it uses the demo maker's and owners' public keys).",
          ExitCode.Usage,
        );
      const urls = readStackUrls(devnet.dir);
      if (!urls?.ingestUrl)
        throw new CliError(
          "the devnet runs without HTTP ingest; restart it without turning ingest off.",
          ExitCode.Usage,
        );
      const { record } = devnet;
      const { network } = ctx;

      const known = readSim(devnet.dir);
      const missing = Math.max(0, o.vehicles - known.length);
      if (missing > 0) {
        out.progress(`sim: setting up ${missing} vehicle(s): mint, device, claim, pair, grant…`);
        const next =
          Math.max(...record.fleet.vehicles.map((v) => v.index), ...known.map((v) => v.index), -1) + 1;
        const indexes = Array.from({ length: missing }, (_, i) => next + i);
        const as = async (role: string) =>
          writer(network, await resolveSigner({ devnetAccount: role }, network, role));
        const maker = withHardware(await as("maker"), record.hardware);
        const owners = [await as("alice"), await as("bob")];
        const ownerRoles = ["alice", "bob"] as const;
        const slotOf = (index: number) => index % owners.length;
        const manufacturerOf = (make: string) => {
          const m = record.carMakers.find((c) => c.name === make);
          if (!m)
            throw new CliError(`the devnet has no car maker ${make}; start over with dimo devnet --reset.`);
          return BigInt(m.manufacturerId);
        };
        const vehicleIds = new Map<number, bigint>();
        for (const [slot, owner] of owners.entries()) {
          const mine = indexes.filter((i) => slotOf(i) === slot);
          for (const [i, id] of await mintSimulatedVehicles(owner, mine, manufacturerOf))
            vehicleIds.set(i, id);
        }
        const deviceIds = await mintSimulatedDevices(maker, {
          manufacturerId: BigInt(record.maker.manufacturerId),
          modelId: BigInt(record.maker.modelId),
          indexes,
        });
        for (const [slot, owner] of owners.entries()) {
          const mine = indexes.filter((i) => slotOf(i) === slot);
          await claimAndPair(
            owner,
            mine.map((index) => ({
              index,
              deviceId: deviceIds.get(index)!,
              vehicleId: vehicleIds.get(index)!,
            })),
          );
          await grantVehicles(owner, {
            vehicleIds: mine.map((i) => vehicleIds.get(i)!),
            grantee: record.developer.clientId,
            privileges: DEMO_GRANT_PRIVILEGES,
            expiration: BigInt(Math.floor(Date.now() / 1000) + 30 * 86_400),
            source: DEMO_GRANT_SOURCE,
          });
        }
        for (const index of indexes) {
          const model = simulatedModel(index);
          known.push({
            index,
            owner: ownerRoles[slotOf(index)]!,
            deviceId: deviceIds.get(index)!.toString(),
            deviceAddress: simulatedDevice(index).address,
            vehicleId: vehicleIds.get(index)!.toString(),
            make: model.make,
            model: model.model,
            year: model.year,
          });
        }
        writeSim(devnet.dir, known);
      }
      const running = known.slice(0, o.vehicles);
      // Devices send only once the node's index shows them paired (else it refuses their data).
      for (const v of running) {
        await waitForIndex(ctx, async () => {
          const r = await identity<{ aftermarketDevice: { vehicle: { tokenId: number } | null } }>(
            ctx,
            "query($id: Int!) { aftermarketDevice(by: { tokenId: $id }) { vehicle { tokenId } } }",
            { id: Number(v.deviceId) },
          );
          return r.aftermarketDevice.vehicle?.tokenId === Number(v.vehicleId);
        });
      }
      const fleet = await startSimulatedVehicles({
        seed: record.fleet.seed,
        vehicles: running.map((v) => ({
          index: v.index,
          producer: erc721Did(record.chainId, record.addresses.aftermarketDeviceId, BigInt(v.deviceId)),
          subject: erc721Did(record.chainId, record.addresses.vehicleId, BigInt(v.vehicleId)),
        })),
        dataDir: join(devnet.dir, "fleet"),
        ingestUrl: urls.ingestUrl,
        eventIntervalMs: o.eventInterval,
        log: pino(
          { level: "info", name: "sim" },
          pino.destination({ dest: join(devnet.dir, "logs", "sim.log"), mkdir: true }),
        ),
      });
      await runUntilInterrupted({
        announce: () =>
          out.result({ vehicles: running, ingestUrl: urls.ingestUrl }, () =>
            [
              `Running ${running.length} more simulated vehicle(s) against ${urls.ingestUrl}:`,
              ...running.map(
                (v) =>
                  `  vehicle ${v.vehicleId}  ${v.year} ${v.make} ${v.model}, owner ${v.owner}, device ${v.deviceId} (simulated device ${v.index})`,
              ),
              "Stop with Ctrl-C (they resume with the next `dimo sim start`).",
            ].join("\n"),
          ),
        stop: () => fleet.stop(),
        stopping: "sim: stopping…",
      });
    });
}
