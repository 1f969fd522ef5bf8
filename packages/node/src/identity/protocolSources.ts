import {
  aftermarketDeviceIdAbi,
  devLicenseAbi,
  manufacturerIdAbi,
  type ProtocolAddresses,
  permissionsAbi,
  vehicleIdAbi,
} from "@dimo-open/protocol";
import { type Address, isAddressEqual, zeroAddress } from "viem";
import { defineEventSource, type EventSource } from "../chain/eventSource.ts";
import type { IdentityWriter } from "./writer.ts";

/**
 * The protocol's contracts as event sources of the identity index: each event maps onto one
 * change of the index. ERC-721 `Transfer`s move ownership (mints are recorded by the richer
 * `*Minted` events that follow them in the same transaction).
 */
export function protocolEventSources(addresses: ProtocolAddresses): EventSource<IdentityWriter>[] {
  // Grants are indexed for the assets the node knows owners of: our identity registries. The
  // permissions contract accepts any ERC-721, but the node serves data of these only.
  const indexedAssets = [addresses.vehicleId, addresses.aftermarketDeviceId, addresses.manufacturerId];
  const isIndexedAsset = (asset: Address) => indexedAssets.some((a) => isAddressEqual(a, asset));

  return [
    defineEventSource<typeof manufacturerIdAbi, IdentityWriter>({
      name: "manufacturerId",
      address: addresses.manufacturerId,
      abi: manufacturerIdAbi,
      handlers: {
        ManufacturerMinted: (e, w) => w.mintManufacturer(e.args),
        ManufacturerAttributeSet: (e, w) => w.setManufacturerAttribute(e.args),
        Transfer: (e, w) =>
          e.args.from === zeroAddress
            ? undefined
            : w.transferManufacturer({ tokenId: e.args.tokenId, to: e.args.to }),
      },
    }),
    defineEventSource<typeof vehicleIdAbi, IdentityWriter>({
      name: "vehicleId",
      address: addresses.vehicleId,
      abi: vehicleIdAbi,
      handlers: {
        VehicleMinted: (e, w) =>
          w.mintVehicle({
            tokenId: e.args.tokenId,
            manufacturerId: e.args.manufacturerId,
            owner: e.args.owner,
            make: e.args.make,
            model: e.args.model,
            year: e.args.year,
            definitionUri: e.args.definitionURI,
          }),
        VehicleDefinitionSet: (e, w) =>
          w.setVehicleDefinition({ tokenId: e.args.tokenId, definitionUri: e.args.definitionURI }),
        VehicleBurned: (e, w) => w.burnVehicle({ tokenId: e.args.tokenId }),
        Transfer: (e, w) =>
          e.args.from === zeroAddress || e.args.to === zeroAddress
            ? undefined
            : w.transferVehicle({ tokenId: e.args.tokenId, to: e.args.to }),
      },
    }),
    defineEventSource<typeof aftermarketDeviceIdAbi, IdentityWriter>({
      name: "aftermarketDeviceId",
      address: addresses.aftermarketDeviceId,
      abi: aftermarketDeviceIdAbi,
      handlers: {
        DeviceMinted: (e, w) =>
          w.mintDevice({
            tokenId: e.args.tokenId,
            manufacturerId: e.args.manufacturerId,
            address: e.args.deviceAddress,
            owner: e.args.owner,
            serial: e.args.serial,
          }),
        DeviceClaimed: (e, w) => w.claimDevice(e.args),
        DevicePaired: (e, w) => w.pairDevice({ tokenId: e.args.tokenId, vehicleId: e.args.vehicleId }),
        DeviceUnpaired: (e, w) => w.unpairDevice({ tokenId: e.args.tokenId }),
        DeviceInstalled: (e, w) =>
          w.installDevice({ tokenId: e.args.tokenId, installedAt: e.args.installedAt }),
        DeviceReturned: (e, w) => w.returnDevice({ tokenId: e.args.tokenId }),
        DeviceReprovisioned: (e, w) =>
          w.reprovisionDevice({ tokenId: e.args.tokenId, newAddress: e.args.newAddress }),
        Transfer: (e, w) =>
          e.args.from === zeroAddress
            ? undefined
            : w.transferDevice({ tokenId: e.args.tokenId, to: e.args.to }),
      },
    }),
    defineEventSource<typeof permissionsAbi, IdentityWriter>({
      name: "permissions",
      address: addresses.permissions,
      abi: permissionsAbi,
      handlers: {
        PermissionsSet: (e, w) => (isIndexedAsset(e.args.asset) ? w.setGrant(e.args) : undefined),
        PermissionsRevoked: (e, w) =>
          isIndexedAsset(e.args.asset)
            ? w.removeGrant({ asset: e.args.asset, tokenId: e.args.tokenId, grantee: e.args.grantee })
            : undefined,
        PermissionsRenounced: (e, w) => (isIndexedAsset(e.args.asset) ? w.removeGrant(e.args) : undefined),
        TokenVersionBumped: (e, w) => (isIndexedAsset(e.args.asset) ? w.setTokenVersion(e.args) : undefined),
        TemplateCreated: (e, w) => w.createGrantTemplate(e.args),
        TemplateActiveSet: (e, w) => w.setGrantTemplateActive(e.args),
      },
    }),
    defineEventSource<typeof devLicenseAbi, IdentityWriter>({
      name: "devLicense",
      address: addresses.devLicense,
      abi: devLicenseAbi,
      handlers: {
        LicenseIssued: (e, w) => w.issueDevLicense(e.args),
        AliasSet: (e, w) => w.setDevLicenseAlias({ tokenId: e.args.tokenId, alias: e.args.licenseAlias }),
        SignerEnabled: (e, w) => w.enableDevLicenseSigner(e.args),
        SignerDisabled: (e, w) => w.disableDevLicenseSigner(e.args),
        RedirectUriSet: (e, w) => w.setDevLicenseRedirectUri(e.args),
      },
    }),
  ];
}
