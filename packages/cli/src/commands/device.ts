/**
 * `dimo device mint|claim|pair|unpair`: aftermarket devices. A maker mints devices bound to their
 * secure elements; whoever holds a device claims it with the device's own signature; its owner
 * pairs it with a vehicle they own, and unpairs it.
 */

import { openFileKeystore, type SecureElement, signTypedMessageWithElement } from "@dimo-open/device";
import {
  claimDevice,
  claimDeviceMessage,
  getDevice,
  mintDevices,
  mintLicensedDevices,
  pairDevice,
  type TypedMessage,
  unpairDevice,
} from "@dimo-open/protocol";
import { type Command, InvalidArgumentError } from "commander";
import type { Address, Hex } from "viem";
import { address, integer, tokenId } from "../args.ts";
import { refused } from "../chain.ts";
import { CliError, ExitCode } from "../errors.ts";
import { simulatedDevice } from "../stack/fleet.ts";
import { type CommonOptions, context, hardwareOf, identity, waitForIndex, writeCommand } from "./common.ts";

function signature(value: string): Hex {
  if (!/^0x[0-9a-fA-F]{130}$/.test(value.trim()))
    throw new InvalidArgumentError(`expected a 65-byte signature (0x and 130 hex digits), got "${value}".`);
  return value.trim() as Hex;
}

export function registerDeviceCommands(program: Command): void {
  const device = program.command("device").description("aftermarket devices: mint, claim, pair, unpair");

  writeCommand(device.command("mint"))
    .description(
      "mint devices bound to their secure-element addresses (the maker; a licensed one where hardware licensing runs)",
    )
    .option(
      "--address <address...>",
      "each device's secure-element address",
      (v: string, prev: Address[] = []) => [...prev, address(v)],
    )
    .option(
      "--simulated <index...>",
      "devnet: the address of simulated device <index> (its key is derived, never stored)",
      (v: string, prev: number[] = []) => [...prev, integer(0, 1_000_000)(v)],
    )
    .option("--serial <serial...>", "serial numbers, one per device, in order")
    .option("--manufacturer <id>", "the maker's manufacturer id (devnet default: the demo maker)", tokenId)
    .option("--model <id>", "the certified device model (devnet default: the demo maker's)", tokenId)
    .action(
      async (
        o: CommonOptions & {
          address?: Address[];
          simulated?: number[];
          serial?: string[];
          manufacturer?: bigint;
          model?: bigint;
        },
      ) => {
        const addresses = [
          ...(o.address ?? []),
          ...(o.simulated ?? []).map((i) => simulatedDevice(i).address),
        ];
        if (addresses.length === 0 || addresses.length > 500)
          throw new CliError(
            "name 1 to 500 devices with --address (or --simulated on the devnet).",
            ExitCode.Usage,
          );
        if (o.serial && o.serial.length !== addresses.length)
          throw new CliError(
            `${o.serial.length} serials for ${addresses.length} devices: give one per device, or none.`,
            ExitCode.Usage,
          );
        const ctx = await context(o);
        const maker = ctx.network.devnet?.record.maker;
        const manufacturerId = o.manufacturer ?? (maker ? BigInt(maker.manufacturerId) : undefined);
        if (manufacturerId === undefined)
          throw new CliError("--manufacturer <id> is required off the devnet.", ExitCode.Usage);
        const client = await ctx.writer("minting devices");
        const devices = addresses.map((deviceAddress, i) => ({
          deviceAddress,
          ...(o.serial && { serial: o.serial[i]! }),
        }));
        const minted = ctx.network.hardware
          ? await mintLicensedDevices(hardwareOf(client, ctx.network), {
              manufacturerId,
              modelId:
                o.model ??
                (maker
                  ? BigInt(maker.modelId)
                  : (() => {
                      throw new CliError(
                        "--model <id> (a certified model of yours) is required off the devnet.",
                        ExitCode.Usage,
                      );
                    })()),
              devices,
            }).catch(refused)
          : await mintDevices(client, { manufacturerId, devices }).catch(refused);
        const result = minted.tokenIds.map((id, i) => ({ tokenId: id, address: addresses[i]! }));
        ctx.out.result({ manufacturerId, devices: result, transaction: minted.hash }, () =>
          [
            `Minted ${result.length} device(s) for manufacturer ${manufacturerId}:`,
            ...result.map((d) => `  device ${d.tokenId}  ${d.address}`),
          ].join("\n"),
        );
      },
    );

  writeCommand(device.command("claim <deviceId>"))
    .description("claim a device for the signer, with the device's signature of the claim")
    .option(
      "--device-keystore <file>",
      "the device's key file (the agent's development key store, mode 0600)",
    )
    .option("--simulated <index>", "devnet: sign as simulated device <index>", integer(0, 1_000_000))
    .option(
      "--device-signature <sig>",
      "a ClaimDevice signature the device made (with --deadline)",
      signature,
    )
    .option(
      "--deadline <unix>",
      "the deadline the device signed (with --device-signature)",
      integer(1, 2 ** 40),
    )
    .addHelpText(
      "after",
      "\nThe device signs ClaimDevice(deviceId, owner, nonce, deadline) with its secure element; on real hardware\nthe phone app asks it over Bluetooth and passes the signature here with --device-signature.",
    )
    .action(
      async (
        id: string,
        o: CommonOptions & {
          deviceKeystore?: string;
          simulated?: number;
          deviceSignature?: Hex;
          deadline?: number;
        },
      ) => {
        const deviceId = tokenId(id);
        const sources = [o.deviceKeystore, o.simulated, o.deviceSignature].filter(
          (x) => x !== undefined,
        ).length;
        if (sources !== 1)
          throw new CliError(
            "give the device's signature one way: --device-keystore, --simulated or --device-signature.",
            ExitCode.Usage,
          );
        if ((o.deviceSignature === undefined) !== (o.deadline === undefined))
          throw new CliError("--device-signature and --deadline go together.", ExitCode.Usage);
        const ctx = await context(o);
        if (o.simulated !== undefined && ctx.network.chainId !== 31337)
          throw new CliError("--simulated devices exist only on the devnet.", ExitCode.Usage);
        const client = await ctx.writer(`claiming device ${deviceId}`);
        const onChain = await getDevice(client, deviceId).catch(() => {
          throw new CliError(`device ${deviceId} does not exist on this network.`, ExitCode.Refused);
        });
        const deadline = BigInt(o.deadline ?? Math.floor(Date.now() / 1000) + 3600);
        const message: TypedMessage<"ClaimDevice"> = await claimDeviceMessage(client, {
          deviceId,
          deviceAddress: onChain.deviceAddress,
          owner: client.account.address,
          deadline,
        });
        let deviceSig: Hex;
        if (o.deviceSignature) deviceSig = o.deviceSignature;
        else {
          const element: SecureElement =
            o.simulated !== undefined
              ? simulatedDevice(o.simulated)
              : await openFileKeystore({ path: o.deviceKeystore! });
          if (element.address !== onChain.deviceAddress)
            throw new CliError(
              `that key is device ${element.address}, but device ${deviceId} is bound to ${onChain.deviceAddress}.`,
              ExitCode.Usage,
            );
          deviceSig = await signTypedMessageWithElement(element, message);
        }
        const { hash } = await claimDevice(client, message, deviceSig).catch(refused);
        ctx.out.result(
          { deviceId, owner: client.account.address, transaction: hash },
          () => `Claimed device ${deviceId} for ${client.account.address}. Transaction ${hash}.`,
        );
      },
    );

  writeCommand(device.command("pair <deviceId> <vehicleId>"))
    .description("pair a claimed device with a vehicle (the signer owns both)")
    .action(async (d: string, v: string, o: CommonOptions) => {
      const deviceId = tokenId(d);
      const vehicleId = tokenId(v);
      const ctx = await context(o);
      const client = await ctx.writer(`pairing device ${deviceId} with vehicle ${vehicleId}`);
      const { hash } = await pairDevice(client, { deviceId, vehicleId }).catch(refused);
      await waitForIndex(ctx, async () => {
        const r = await identity<{ aftermarketDevice: { vehicle: { tokenId: number } | null } }>(
          ctx,
          "query($id: Int!) { aftermarketDevice(by: { tokenId: $id }) { vehicle { tokenId } } }",
          { id: Number(deviceId) },
        );
        return r.aftermarketDevice.vehicle?.tokenId === Number(vehicleId);
      });
      ctx.out.result(
        { deviceId, vehicleId, paired: true, transaction: hash },
        () => `Paired device ${deviceId} with vehicle ${vehicleId}. Transaction ${hash}.`,
      );
    });

  writeCommand(device.command("unpair <deviceId>"))
    .description("unpair a device from its vehicle (the owner of either)")
    .action(async (d: string, o: CommonOptions) => {
      const deviceId = tokenId(d);
      const ctx = await context(o);
      const client = await ctx.writer(`unpairing device ${deviceId}`);
      const { hash } = await unpairDevice(client, deviceId).catch(refused);
      ctx.out.result(
        { deviceId, paired: false, transaction: hash },
        () => `Unpaired device ${deviceId}. Transaction ${hash}.`,
      );
    });
}
