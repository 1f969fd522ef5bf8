import {
  aftermarketDeviceIdAbi,
  connectionClassOf,
  connectionPointsTable,
  deviceBeneficiary,
  deviceStakeAbi,
  type RewardsReader,
  vehicleIdAbi,
} from "@dimo-open/protocol";
import { type Address, zeroAddress } from "viem";

/** Chain facts the rewards job needs, read at one block. */
export interface RewardsChainView {
  connectionPoints(blockNumber: bigint): Promise<Record<number, number>>;
  /** Connection class of a device (its manufacturer's), and whether it is banned. */
  device(deviceId: bigint, blockNumber: bigint): Promise<{ connectionClass: number; banned: boolean }>;
  /** Who is paid for a vehicle whose data came from `deviceId`: the device's beneficiary, else the vehicle's owner. */
  payee(vehicleId: bigint, deviceId: bigint, blockNumber: bigint): Promise<Address>;
}

/** Reads the facts straight from the contracts (with the hardware DeviceStake for bans, when deployed). */
export class ProtocolRewardsChainView implements RewardsChainView {
  private readonly classOfMaker = new Map<string, number>();

  constructor(
    private readonly reader: RewardsReader,
    private readonly deviceStake?: Address,
  ) {}

  connectionPoints(blockNumber: bigint) {
    return connectionPointsTable(this.reader, blockNumber);
  }

  async device(deviceId: bigint, blockNumber: bigint) {
    const read = this.reader.publicClient.readContract;
    const [device, banned] = await Promise.all([
      read({
        address: this.reader.addresses.aftermarketDeviceId,
        abi: aftermarketDeviceIdAbi,
        functionName: "getDevice",
        args: [deviceId],
        blockNumber,
      }),
      this.deviceStake
        ? read({
            address: this.deviceStake,
            abi: deviceStakeAbi,
            functionName: "isBanned",
            args: [deviceId],
            blockNumber,
          })
            // A device the stake contract does not know (minted before licensing) cannot be banned by it.
            .catch(() => false)
        : Promise.resolve(false),
    ]);
    const key = `${blockNumber}:${device.manufacturerId}`;
    let connectionClass = this.classOfMaker.get(key);
    if (connectionClass === undefined) {
      connectionClass = await connectionClassOf(this.reader, device.manufacturerId, blockNumber);
      this.classOfMaker.set(key, connectionClass);
    }
    return { connectionClass, banned };
  }

  async payee(vehicleId: bigint, deviceId: bigint, blockNumber: bigint): Promise<Address> {
    const beneficiary = await deviceBeneficiary(this.reader, deviceId, blockNumber);
    if (beneficiary !== zeroAddress) return beneficiary;
    return this.reader.publicClient.readContract({
      address: this.reader.addresses.vehicleId,
      abi: vehicleIdAbi,
      functionName: "ownerOf",
      args: [vehicleId],
      blockNumber,
    });
  }
}
