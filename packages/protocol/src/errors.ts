import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  formatEther,
  type Hex,
} from "viem";
import { protocolAbi } from "./abis.ts";
import { decodePermissions } from "./privileges.ts";

/**
 * A revert from one of our contracts, decoded: `errorName` and `args` for programs, `message`
 * for people (what failed, with which values, and what to do).
 */
export class ProtocolError extends Error {
  override name = "ProtocolError";
  constructor(
    readonly errorName: string,
    readonly args: readonly unknown[],
    readonly shortMessage: string,
    options?: { cause?: unknown },
  ) {
    super(`${shortMessage} [${errorName}]`, options);
  }
}

type Describe = (a: readonly unknown[]) => string;
const s = (v: unknown): string => (typeof v === "bigint" ? v.toString() : String(v));
const time = (v: unknown): string => new Date(Number(v) * 1000).toISOString();

/** Human messages per custom error. Anything not listed still decodes with a generic message. */
const messages: Record<string, Describe> = {
  SignatureExpired: (a) =>
    `The signature expired at ${time(a[0])} (chain time ${time(a[1])}); sign again with a later deadline.`,
  InvalidSignature: (a) =>
    `The signature was not made by ${s(a[0])} (or its wallet rejects it); check the signing key and the typed data.`,
  InvalidAccountNonce: (a) =>
    `Nonce already used or out of order for ${s(a[0])}: the current nonce is ${s(a[1])}. Fetch it and sign again.`,
  ManufacturerNameTaken: (a) =>
    `A manufacturer named "${s(a[0])}" already exists (token ${s(a[1])}); choose another name.`,
  ManufacturerNameInvalid: (a) => `Manufacturer name "${s(a[0])}" is empty or longer than 256 bytes.`,
  ManufacturerNotFound: (a) => `No manufacturer with token id ${s(a[0])}.`,
  NotManufacturerOwner: (a) => `${s(a[1])} does not own manufacturer ${s(a[0])}.`,
  NotManufacturerOperator: (a) => `${s(a[1])} neither owns nor operates manufacturer ${s(a[0])}.`,
  NotAuthorizedToMintManufacturer: (a) =>
    `${s(a[0])} may not mint manufacturers (needs the minter role or a valid licence).`,
  NotVehicleOwner: (a) => `${s(a[1])} does not own vehicle ${s(a[0])}.`,
  VehicleNotFound: (a) => `No vehicle with token id ${s(a[0])}.`,
  VehiclePaired: (a) => `Vehicle ${s(a[0])} is paired with device ${s(a[1])}; unpair it first.`,
  InvalidYear: (a) => `Model year ${s(a[0])} is out of range (1886–2200).`,
  TextTooLong: (a) => `Text of ${s(a[0])} bytes is longer than the ${s(a[1])}-byte limit.`,
  InvalidBatchSize: (a) => `A batch of ${s(a[0])} devices is not allowed: send 1 to ${s(a[1])}.`,
  InvalidDeviceAddress: (a) => `Device address ${s(a[0])} is not a valid secure-element address.`,
  DeviceAddressTaken: (a) => `Device address ${s(a[0])} is already bound to device ${s(a[1])}.`,
  DeviceNotFound: (a) => `No aftermarket device with token id ${s(a[0])}.`,
  DeviceAlreadyClaimed: (a) => `Device ${s(a[0])} has already been claimed.`,
  DeviceNotClaimed: (a) => `Device ${s(a[0])} must be claimed before it can be paired.`,
  DeviceAlreadyPaired: (a) => `Device ${s(a[0])} is already paired with vehicle ${s(a[1])}; unpair it first.`,
  VehicleAlreadyPaired: (a) => `Vehicle ${s(a[0])} already has device ${s(a[1])} paired; unpair it first.`,
  DeviceNotPaired: (a) => `Device ${s(a[0])} is not paired.`,
  OwnersDiffer: (a) =>
    `The device is owned by ${s(a[0])} but the vehicle by ${s(a[1])}; one account must own both.`,
  NotDeviceOwner: (a) => `${s(a[1])} does not own device ${s(a[0])}.`,
  NotDeviceOrVehicleOwner: (a) => `${s(a[1])} owns neither device ${s(a[0])} nor its vehicle.`,
  NotTokenOwner: (a) => `${s(a[2])} does not own token ${s(a[1])} of ${s(a[0])}.`,
  InvalidGrantee: (a) => `${s(a[0])} cannot be a grantee (zero address or the owner).`,
  EmptyPermissions: () => "A grant needs at least one privilege.",
  MalformedPermissions: (a) =>
    `Permission mask ${s(a[0])} is malformed: each privilege needs both of its bits and bits 0-1 must be clear (valid privileges in it: ${decodePermissions(BigInt(a[0] as bigint)).join(", ") || "none"}).`,
  ExpirationInPast: (a) => `Expiration ${time(a[0])} is not after the chain time ${time(a[1])}.`,
  SourceTooLong: (a) => `Source URI of ${s(a[0])} bytes exceeds ${s(a[1])} bytes.`,
  GrantNotFound: (a) => `No grant to ${s(a[2])} on token ${s(a[1])} of ${s(a[0])}.`,
  TemplateNotFound: (a) => `No template ${s(a[0])}.`,
  TemplateInactive: (a) => `Template ${s(a[0])} is inactive.`,
  TemplateAssetMismatch: (a) => `Template ${s(a[0])} is not for asset ${s(a[1])}.`,
  NotTemplateCreator: (a) => `${s(a[1])} did not create template ${s(a[0])}.`,
  NotLicenseOwner: (a) => `${s(a[1])} does not own developer licence ${s(a[0])}.`,
  LicenseNotFound: (a) => `No developer licence ${s(a[0])}.`,
  LicenseIsSoulbound: (a) => `Developer licence ${s(a[0])} cannot be transferred.`,
  InvalidSigner: (a) => `${s(a[0])} is not a valid (or enabled) signer.`,
  SignerExpiryInPast: (a) => `Signer expiry ${time(a[0])} is in the past.`,
  AliasTaken: (a) => `Alias "${s(a[0])}" belongs to licence ${s(a[1])}.`,
  AliasInvalid: (a) => `Alias "${s(a[0])}" is longer than 64 bytes.`,
  RedirectUriInvalid: (a) => `Redirect URI "${s(a[0])}" is empty or too long.`,
  RedirectUriExists: (a) => `Redirect URI "${s(a[0])}" is already registered.`,
  RedirectUriNotFound: (a) => `Redirect URI "${s(a[0])}" is not registered.`,
  ERC20InsufficientBalance: (a) =>
    `${s(a[0])} holds ${formatEther(a[1] as bigint)} DIMO but ${formatEther(a[2] as bigint)} are needed.`,
  ERC20InsufficientAllowance: (a) =>
    `${s(a[0])} may spend ${formatEther(a[1] as bigint)} DIMO but ${formatEther(a[2] as bigint)} are needed: approve more.`,
  ERC721NonexistentToken: (a) => `Token ${s(a[0])} does not exist.`,
  ERC721IncorrectOwner: (a) => `${s(a[0])} does not own token ${s(a[1])} (owner: ${s(a[2])}).`,
  ERC721InsufficientApproval: (a) => `${s(a[0])} is not approved for token ${s(a[1])}.`,
  AccessControlUnauthorizedAccount: (a) => `${s(a[0])} lacks role ${s(a[1])}.`,
};

/** Registers messages for errors of contracts added later (hardware licensing, rewards, …). */
export function registerErrorMessages(more: Record<string, Describe>): void {
  Object.assign(messages, more);
}

const extraAbis: Abi[] = [];
/** Registers ABIs whose custom errors should decode too. */
export function registerErrorAbi(abi: Abi): void {
  extraAbis.push(abi);
}

function describe(errorName: string, args: readonly unknown[]): string {
  const d = messages[errorName];
  return d ? d(args) : `The contract reverted with ${errorName}(${args.map(s).join(", ")}).`;
}

/** Decodes raw revert data from any of our contracts into a ProtocolError, or undefined if unknown. */
export function decodeRevertData(data: Hex): ProtocolError | undefined {
  for (const abi of [protocolAbi as Abi, ...extraAbis]) {
    try {
      const r = decodeErrorResult({ abi, data });
      return new ProtocolError(r.errorName, r.args ?? [], describe(r.errorName, r.args ?? []));
    } catch {
      // not in this ABI
    }
  }
  return undefined;
}

/**
 * Turns whatever viem threw for a contract call into a ProtocolError when the revert is ours,
 * or returns the original error untouched.
 */
export function toProtocolError(error: unknown): unknown {
  if (error instanceof ProtocolError) return error;
  if (!(error instanceof BaseError)) return error;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError) {
    if (reverted.data?.errorName) {
      const args = reverted.data.args ?? [];
      return new ProtocolError(reverted.data.errorName, args, describe(reverted.data.errorName, args), {
        cause: error,
      });
    }
    if (reverted.raw) {
      const decoded = decodeRevertData(reverted.raw);
      if (decoded)
        return new ProtocolError(decoded.errorName, decoded.args, decoded.shortMessage, { cause: error });
    }
  }
  // Raw revert data somewhere in the chain: nodes differ in where they put it (geth: `data` as
  // hex with code 3; Hardhat/EDR: `data.data`), so look for both shapes.
  const revertData = (e: unknown): Hex | undefined => {
    const d = (e as { data?: unknown }).data;
    const hex =
      typeof d === "string"
        ? d
        : typeof (d as { data?: unknown })?.data === "string"
          ? (d as { data: string }).data
          : undefined;
    return hex?.startsWith("0x") && hex.length >= 10 ? (hex as Hex) : undefined;
  };
  const carrier = error.walk((e) => revertData(e) !== undefined);
  const data = carrier ? revertData(carrier) : undefined;
  if (data) {
    const decoded = decodeRevertData(data);
    if (decoded)
      return new ProtocolError(decoded.errorName, decoded.args, decoded.shortMessage, { cause: error });
  }
  return error;
}
