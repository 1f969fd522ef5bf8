/**
 * Who a device is: its token id, its maker and its certified model (the hardware layer's
 * DeviceStake records the model each device was minted as). Devices do not change model, so
 * answers are kept; a device not on chain is asked again after a while.
 */
import { type DeviceStakeReader, getDeviceStake } from "@dimo-open/protocol";
import type { Address } from "viem";
import type { IdentityIndex } from "../../identity/index.ts";
import type { DeviceDescription } from "./model.ts";

/** The port the performance service groups devices through. */
export interface DeviceCatalog {
  describe(device: Address): Promise<DeviceDescription | undefined>;
}

export class ChainDeviceCatalog implements DeviceCatalog {
  constructor(
    private readonly identity: Pick<IdentityIndex, "getDevice">,
    /** The hardware layer's DeviceStake, for device models; without it devices group by maker only. */
    private readonly hardware?: DeviceStakeReader,
  ) {}

  async describe(device: Address): Promise<DeviceDescription | undefined> {
    const found = await this.identity.getDevice({ address: device });
    if (!found) return undefined;
    let modelId: bigint | undefined;
    if (this.hardware) {
      const stake = await getDeviceStake(this.hardware, found.tokenId);
      // Zero: minted before the hardware layer's hook, no model on record.
      modelId = stake.modelId === 0n ? undefined : stake.modelId;
    }
    return { deviceId: found.tokenId, manufacturerId: found.manufacturerId, modelId };
  }
}
