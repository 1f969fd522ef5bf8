import type { Address } from "viem";
import { manufacturerIdAbi } from "../artifacts/index.ts";
import { eventOf, type ProtocolClient, type ProtocolReader, writeContract } from "../client.ts";

/** Mints a manufacturer identity (caller needs the minter role, later a licence). */
export async function mintManufacturer(client: ProtocolClient, params: { name: string; owner: Address }) {
  const result = await writeContract(client, {
    address: client.addresses.manufacturerId,
    abi: manufacturerIdAbi,
    functionName: "mint",
    args: [params.name, params.owner],
  });
  return { ...result, tokenId: eventOf(result, "ManufacturerMinted").args.tokenId };
}

/** Sets (or with "" deletes) a manufacturer attribute. */
export function setManufacturerAttribute(
  client: ProtocolClient,
  p: { tokenId: bigint; key: string; value: string },
) {
  return writeContract(client, {
    address: client.addresses.manufacturerId,
    abi: manufacturerIdAbi,
    functionName: "setAttribute",
    args: [p.tokenId, p.key, p.value],
  });
}

export interface Manufacturer {
  tokenId: bigint;
  name: string;
  owner: Address;
}

export async function getManufacturer(client: ProtocolReader, tokenId: bigint): Promise<Manufacturer> {
  const c = { address: client.addresses.manufacturerId, abi: manufacturerIdAbi } as const;
  const [name, owner] = await Promise.all([
    client.publicClient.readContract({ ...c, functionName: "nameOf", args: [tokenId] }),
    client.publicClient.readContract({ ...c, functionName: "ownerOf", args: [tokenId] }),
  ]);
  return { tokenId, name, owner };
}
