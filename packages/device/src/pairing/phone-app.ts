/**
 * The owner's phone, as a small module: connect to the device over the pairing service, have it
 * sign ClaimDevice, submit the claim, have it sign PairDevice, sign the owner's PairDevice and
 * submit the pairing. Every device signature is checked before a transaction is sent.
 */
import {
  claimDevice,
  claimDeviceMessage,
  deviceIdByAddress,
  type ProtocolClient,
  pairDeviceMessage,
  pairDeviceWithSignatures,
  signTypedMessage,
  type TypedDataSigner,
  type TypedMessage,
  type TypedMessageName,
  typedMessageDigest,
  type WriteResult,
} from "@dimo-open/protocol";
import { type Address, getAddress, type Hex, recoverAddress } from "viem";
import { DeviceError } from "../errors.ts";
import {
  PAIRING_CHARACTERISTICS as C,
  type DeviceInfo,
  DeviceInfoSchema,
  fragment,
  Reassembler,
  type SigningRequest,
  type SigningResponse,
} from "./gatt-profile.ts";
import type { GattClientLink } from "./link.ts";
import { pairingProof } from "./pairing-service.ts";

export class PairingError extends DeviceError {
  override name = "PairingError";
  readonly code: string;
  constructor(code: string, shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(shortMessage, options);
    this.code = code;
  }
}

const decoder = new TextDecoder();

export async function readDeviceInfo(link: GattClientLink): Promise<DeviceInfo> {
  const parsed = DeviceInfoSchema.safeParse(JSON.parse(decoder.decode(await link.read(C.info))));
  if (!parsed.success)
    throw new PairingError("bad_device_info", "The device's info is not a DIMO pairing profile.");
  return parsed.data;
}

/** Asks the device to sign a protocol message; checks the signature is the device's. */
export async function requestDeviceSignature<N extends "ClaimDevice" | "PairDevice">(
  link: GattClientLink,
  p: { message: TypedMessage<N>; deviceAddress: Address; pairingSecret: Uint8Array; timeoutMs?: number },
): Promise<Hex> {
  const challenge = `0x${Buffer.from(await link.read(C.challenge)).toString("hex")}`;
  const d = p.message.domain;
  const body: Omit<SigningRequest, "proof"> = {
    challenge,
    primaryType: p.message.primaryType,
    domain: {
      name: d.name!,
      version: d.version!,
      chainId: Number(d.chainId),
      verifyingContract: d.verifyingContract!,
    },
    message: Object.fromEntries(
      Object.entries(p.message.message).map(([k, v]) => [
        k,
        typeof v === "bigint" ? v.toString() : String(v),
      ]),
    ) as SigningRequest["message"],
  };
  const request: SigningRequest = { ...body, proof: pairingProof(p.pairingSecret, body) };
  const reassembler = new Reassembler();
  const response = await new Promise<SigningResponse>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new PairingError("timeout", "The device did not answer the signing request."));
    }, p.timeoutMs ?? 30_000);
    const off = link.subscribe(C.response, (value) => {
      try {
        const whole = reassembler.push(value);
        if (!whole) return;
        clearTimeout(timer);
        off();
        resolve(JSON.parse(decoder.decode(whole)) as SigningResponse);
      } catch (error) {
        clearTimeout(timer);
        off();
        reject(error);
      }
    });
    (async () => {
      for (const f of fragment(new TextEncoder().encode(JSON.stringify(request)), link.mtu))
        await link.write(C.request, f);
    })().catch((error) => {
      clearTimeout(timer);
      off();
      reject(error);
    });
  });
  if (!response.ok) throw new PairingError(response.error, `The device refused to sign: ${response.message}`);
  const recovered = await recoverAddress({
    hash: typedMessageDigest(p.message as TypedMessage<TypedMessageName>),
    signature: response.signature,
  });
  if (recovered !== getAddress(p.deviceAddress)) {
    throw new PairingError(
      "wrong_signer",
      `The signature recovers to ${recovered}, not to the device ${p.deviceAddress}.`,
    );
  }
  return response.signature;
}

export interface ClaimAndPairParams {
  link: GattClientLink;
  /** The owner's protocol client (their wallet signs and sends the transactions). */
  owner: ProtocolClient;
  /** The owner's key, for the owner's PairDevice signature. */
  ownerSigner: TypedDataSigner;
  vehicleId: bigint;
  /** From the card in the device's box (scanned QR code). */
  pairingSecret: Uint8Array;
  /** Seconds the signed messages stay valid (default 600). */
  validForSeconds?: number;
}

export interface ClaimAndPairResult {
  deviceId: bigint;
  deviceAddress: Address;
  claim: WriteResult;
  pair: WriteResult;
}

/** The whole flow on the phone: connect (done by the caller), claim, pair. */
export async function claimAndPairDevice(p: ClaimAndPairParams): Promise<ClaimAndPairResult> {
  const info = await readDeviceInfo(p.link);
  const chainId = await p.owner.publicClient.getChainId();
  if (
    info.chainId !== chainId ||
    getAddress(info.registry) !== getAddress(p.owner.addresses.aftermarketDeviceId)
  ) {
    throw new PairingError(
      "wrong_network",
      `The device belongs to chain ${info.chainId} registry ${info.registry}, not this app's network.`,
    );
  }
  const deviceAddress = getAddress(info.address);
  const deviceId =
    info.deviceId !== undefined ? BigInt(info.deviceId) : await deviceIdByAddress(p.owner, deviceAddress);
  if (deviceId === 0n)
    throw new PairingError("not_minted", `No device is minted for ${deviceAddress}; ask its maker.`);
  const ownerAddress = getAddress(p.owner.walletClient.account!.address);
  const block = await p.owner.publicClient.getBlock();
  const deadline = block.timestamp + BigInt(p.validForSeconds ?? 600);

  const claimMsg = await claimDeviceMessage(p.owner, {
    deviceId,
    deviceAddress,
    owner: ownerAddress,
    deadline,
  });
  const claimSig = await requestDeviceSignature(p.link, {
    message: claimMsg,
    deviceAddress,
    pairingSecret: p.pairingSecret,
  });
  const claim = await claimDevice(p.owner, claimMsg, claimSig);

  const deviceMsg = await pairDeviceMessage(p.owner, {
    deviceId,
    vehicleId: p.vehicleId,
    signer: deviceAddress,
    deadline,
  });
  const deviceSig = await requestDeviceSignature(p.link, {
    message: deviceMsg,
    deviceAddress,
    pairingSecret: p.pairingSecret,
  });
  const ownerMsg = await pairDeviceMessage(p.owner, {
    deviceId,
    vehicleId: p.vehicleId,
    signer: ownerAddress,
    deadline,
  });
  const ownerSig = await signTypedMessage(p.ownerSigner, ownerMsg);
  const pair = await pairDeviceWithSignatures(p.owner, {
    device: { message: deviceMsg, signature: deviceSig },
    owner: { message: ownerMsg, signature: ownerSig },
  });
  return { deviceId, deviceAddress, claim, pair };
}
