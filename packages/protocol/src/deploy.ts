import { type Address, getAddress, getContractAddress, type Hex } from "viem";
import {
  aftermarketDeviceIdAbi,
  aftermarketDeviceIdBytecode,
  devLicenseAbi,
  devLicenseBytecode,
  dimoTokenAbi,
  dimoTokenBytecode,
  manufacturerIdAbi,
  manufacturerIdBytecode,
  permissionsAbi,
  permissionsBytecode,
  vehicleIdAbi,
  vehicleIdBytecode,
} from "./artifacts/index.ts";
import type { ProtocolAddresses, ProtocolClient } from "./client.ts";
import { toProtocolError } from "./errors.ts";

export interface DeployOptions {
  /** Holds DEFAULT_ADMIN_ROLE on the registries (later: the governance timelock). Default: the deployer. */
  admin?: Address;
  /** Receives the whole DIMO supply. Default: the deployer. */
  treasury?: Address;
}

type Client = Omit<ProtocolClient, "addresses">;

async function deploy(
  client: Client,
  abi: readonly unknown[],
  bytecode: Hex,
  args: readonly unknown[],
): Promise<Address> {
  const hash = await client.walletClient.deployContract({
    abi,
    bytecode,
    args,
    account: client.walletClient.account,
    chain: client.walletClient.chain,
  } as Parameters<typeof client.walletClient.deployContract>[0]);
  const receipt = await client.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (!receipt.contractAddress || receipt.status !== "success") throw new Error(`deployment ${hash} failed`);
  return getAddress(receipt.contractAddress);
}

/**
 * Deploys the protocol core and wires it together. Deterministic: from a fresh deployer account
 * the addresses depend only on the deployer (CREATE with nonces 0..6), see `predictAddresses`.
 */
export async function deployProtocol(
  client: Client,
  options: DeployOptions = {},
): Promise<ProtocolAddresses> {
  const deployer = client.walletClient.account.address;
  const admin = options.admin ?? deployer;
  const treasury = options.treasury ?? deployer;
  try {
    const dimoToken = await deploy(client, dimoTokenAbi, dimoTokenBytecode, [treasury]);
    const permissions = await deploy(client, permissionsAbi, permissionsBytecode, []);
    const manufacturerId = await deploy(client, manufacturerIdAbi, manufacturerIdBytecode, [admin]);
    // The deployer wires the vehicle registry to the device registry, then hands admin over.
    const vehicleId = await deploy(client, vehicleIdAbi, vehicleIdBytecode, [
      deployer,
      manufacturerId,
      permissions,
    ]);
    const aftermarketDeviceId = await deploy(client, aftermarketDeviceIdAbi, aftermarketDeviceIdBytecode, [
      admin,
      manufacturerId,
      vehicleId,
      permissions,
    ]);
    const devLicense = await deploy(client, devLicenseAbi, devLicenseBytecode, []);
    const wire = async (functionName: string, args: readonly unknown[]): Promise<void> => {
      const hash = await client.walletClient.writeContract({
        address: vehicleId,
        abi: vehicleIdAbi,
        functionName,
        args,
        account: client.walletClient.account,
        chain: client.walletClient.chain,
      } as Parameters<typeof client.walletClient.writeContract>[0]);
      const receipt = await client.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      if (receipt.status !== "success") throw new Error(`${functionName} failed in ${hash}`);
    };
    await wire("setDeviceRegistry", [aftermarketDeviceId]);
    if (admin !== deployer) {
      const role = "0x0000000000000000000000000000000000000000000000000000000000000000";
      await wire("grantRole", [role, admin]);
      await wire("renounceRole", [role, deployer]);
    }
    return { dimoToken, manufacturerId, vehicleId, aftermarketDeviceId, permissions, devLicense };
  } catch (error) {
    throw toProtocolError(error);
  }
}

/** The addresses `deployProtocol` yields for a deployer whose next nonce is `nonce` (default 0). */
export function predictAddresses(deployer: Address, nonce = 0): ProtocolAddresses {
  const at = (i: number): Address => getContractAddress({ from: deployer, nonce: BigInt(nonce + i) });
  return {
    dimoToken: at(0),
    permissions: at(1),
    manufacturerId: at(2),
    vehicleId: at(3),
    aftermarketDeviceId: at(4),
    devLicense: at(5),
  };
}
