import type { Address, Hex } from "viem";
import { vehicleIdAbi } from "../artifacts/index.ts";
import { eventOf, type ProtocolClient, type ProtocolReader, writeContract } from "../client.ts";
import { domainNames, protocolDomain, type TypedMessage, typedMessage } from "../eip712.ts";

export interface VehicleAttributes {
  make: string;
  model: string;
  year: number;
  definitionURI: string;
}

/** Mints a vehicle to the caller. */
export async function mintVehicle(client: ProtocolClient, p: { manufacturerId: bigint } & VehicleAttributes) {
  const result = await writeContract(client, {
    address: client.addresses.vehicleId,
    abi: vehicleIdAbi,
    functionName: "mint",
    args: [p.manufacturerId, { make: p.make, model: p.model, year: p.year, definitionURI: p.definitionURI }],
  });
  return { ...result, tokenId: eventOf(result, "VehicleMinted").args.tokenId };
}

/** Builds the `MintVehicle` message an owner signs so that a relayer can mint for them. */
export async function mintVehicleMessage(
  client: ProtocolReader,
  p: { manufacturerId: bigint; owner: Address; deadline: bigint } & VehicleAttributes,
): Promise<TypedMessage<"MintVehicle">> {
  const [chainId, nonce] = await Promise.all([
    client.publicClient.getChainId(),
    client.publicClient.readContract({
      address: client.addresses.vehicleId,
      abi: vehicleIdAbi,
      functionName: "nonces",
      args: [p.owner],
    }),
  ]);
  return typedMessage(
    protocolDomain(domainNames.vehicleId, chainId, client.addresses.vehicleId),
    "MintVehicle",
    {
      manufacturerId: p.manufacturerId,
      owner: p.owner,
      make: p.make,
      model: p.model,
      year: p.year,
      definitionURI: p.definitionURI,
      nonce,
      deadline: p.deadline,
    },
  );
}

/** Mints a vehicle for its owner as a relayer, with the owner's signature over `message`. */
export async function mintVehicleWithSignature(
  client: ProtocolClient,
  message: TypedMessage<"MintVehicle">,
  signature: Hex,
) {
  const m = message.message;
  const result = await writeContract(client, {
    address: client.addresses.vehicleId,
    abi: vehicleIdAbi,
    functionName: "mintWithSignature",
    args: [
      m.manufacturerId,
      m.owner,
      { make: m.make, model: m.model, year: m.year, definitionURI: m.definitionURI },
      m.nonce,
      m.deadline,
      signature,
    ],
  });
  return { ...result, tokenId: eventOf(result, "VehicleMinted").args.tokenId };
}

/** Burns a vehicle (owner only; no device may be paired). */
export function burnVehicle(client: ProtocolClient, tokenId: bigint) {
  return writeContract(client, {
    address: client.addresses.vehicleId,
    abi: vehicleIdAbi,
    functionName: "burn",
    args: [tokenId],
  });
}

/** Transfers a vehicle (voids its grants and unpairs its device). */
export function transferVehicle(client: ProtocolClient, p: { tokenId: bigint; to: Address }) {
  return writeContract(client, {
    address: client.addresses.vehicleId,
    abi: vehicleIdAbi,
    functionName: "safeTransferFrom",
    args: [client.walletClient.account.address, p.to, p.tokenId],
  });
}

export interface Vehicle extends VehicleAttributes {
  tokenId: bigint;
  owner: Address;
  manufacturerId: bigint;
}

export async function getVehicle(client: ProtocolReader, tokenId: bigint): Promise<Vehicle> {
  const c = { address: client.addresses.vehicleId, abi: vehicleIdAbi } as const;
  const [owner, attrs, manufacturerId] = await Promise.all([
    client.publicClient.readContract({ ...c, functionName: "ownerOf", args: [tokenId] }),
    client.publicClient.readContract({ ...c, functionName: "attributesOf", args: [tokenId] }),
    client.publicClient.readContract({ ...c, functionName: "manufacturerOf", args: [tokenId] }),
  ]);
  return { tokenId, owner, manufacturerId, ...attrs };
}
