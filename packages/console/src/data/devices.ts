/** The device list a maker pastes to mint: one secure-element address per line, optionally ", serial". */
import { type Address, getAddress, isAddress } from "viem";

export class DeviceListError extends Error {
  override name = "DeviceListError";
}

/** The registry mints at most this many devices per transaction. */
export const MAX_MINT_BATCH = 500;

export function parseDeviceList(text: string): { deviceAddress: Address; serial?: string }[] {
  const out: { deviceAddress: Address; serial?: string }[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const [address, ...rest] = line.split(/[,;\t]/).map((x) => x.trim());
    if (!address || !isAddress(address, { strict: false }))
      throw new DeviceListError(
        `Line ${i + 1}: "${address}" is not a device address (0x and 40 hex digits).`,
      );
    const checksummed = getAddress(address);
    if (seen.has(checksummed)) throw new DeviceListError(`Line ${i + 1}: ${checksummed} is listed twice.`);
    seen.add(checksummed);
    const serial = rest.join(",").trim();
    if (serial.length > 64)
      throw new DeviceListError(`Line ${i + 1}: the serial is longer than 64 characters.`);
    out.push(serial ? { deviceAddress: checksummed, serial } : { deviceAddress: checksummed });
  });
  if (out.length === 0) throw new DeviceListError("List at least one device address.");
  if (out.length > MAX_MINT_BATCH)
    throw new DeviceListError(`${out.length} devices: mint at most ${MAX_MINT_BATCH} per batch.`);
  return out;
}
