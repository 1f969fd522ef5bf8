import {
  aftermarketDeviceIdAbi,
  devLicenseAbi,
  devLicenseAccountAbi,
  dimoTokenAbi,
  manufacturerIdAbi,
  permissionsAbi,
  smartWalletAbi,
  vehicleIdAbi,
} from "./artifacts/index.ts";

/** Every custom error and event of our contracts, for decoding reverts and logs from any of them. */
export const protocolAbi = [
  ...dimoTokenAbi,
  ...manufacturerIdAbi,
  ...vehicleIdAbi,
  ...aftermarketDeviceIdAbi,
  ...permissionsAbi,
  ...devLicenseAbi,
  ...devLicenseAccountAbi,
  ...smartWalletAbi,
] as const;
