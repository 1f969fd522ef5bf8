import { randomBytes } from "node:crypto";
import {
  devLicenseAccountAbi,
  devLicenseIdOfClient,
  getDevLicense,
  type ProtocolReader,
} from "@dimo-open/protocol";
import {
  type Address,
  getAddress,
  type Hex,
  hashMessage,
  isAddress,
  isHex,
  recoverMessageAddress,
} from "viem";
import { createSiweMessage } from "viem/siwe";
import { badRequest, forbidden } from "../api/errors.ts";
import type { ChallengeBook } from "./challenges.ts";
import type { KeyRing } from "./keyRing.ts";

/** ERC-1271 magic value a contract account returns for a signature it accepts. */
const ERC1271_MAGIC = "0x1626ba7e";

export interface SignInOptions {
  chain: ProtocolReader;
  chainId: number;
  keys: KeyRing;
  challenges: ChallengeBook;
  /** `iss` of every token (the node's public base URL). */
  issuer: string;
  /** Developer token lifetime (DIMO: ~14 days). */
  tokenLifetimeSeconds: number;
  /** Allow wallets that are not developer licences to sign in (owners reading their access log). */
  allowWallets: boolean;
}

export interface ChallengeResponse {
  state: string;
  challenge: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  id_token: string;
}

/**
 * Developer sign-in, wire-compatible with DIMO's `/auth/web3/*`: an EIP-4361 challenge naming the
 * real chain id, answered with an EIP-191 signature that the developer licence's account contract
 * accepts (ERC-1271: an enabled, unexpired signer of the licence), for one of its redirect URIs.
 */
export class SignIn {
  constructor(private readonly o: SignInOptions) {}

  async generateChallenge(params: URLSearchParams): Promise<ChallengeResponse> {
    const clientId = addressParam(params, "client_id");
    const address = params.get("address");
    if (address && (!isAddress(address, { strict: false }) || getAddress(address) !== clientId)) {
      throw badRequest("invalid_request", `\`address\` (${address}) must equal \`client_id\` (${clientId}).`);
    }
    const responseType = params.get("response_type");
    if (responseType && responseType !== "code") {
      throw badRequest(
        "unsupported_response_type",
        `response_type ${JSON.stringify(responseType)}: use "code".`,
      );
    }
    const domain = requiredParam(params, "domain", 512);
    const uri = parseDomain(domain);
    const licenseId = await devLicenseIdOfClient(this.o.chain, clientId);
    if (licenseId === 0n) {
      if (!this.o.allowWallets) {
        throw forbidden(
          "not_a_license",
          `${clientId} is not a developer licence's client id; issue a licence (DevLicense.issue) and sign in with its client id.`,
        );
      }
    } else {
      const { redirectUris } = await getDevLicense(this.o.chain, licenseId);
      if (!redirectUris.includes(domain)) {
        throw forbidden(
          "invalid_domain",
          `Domain ${JSON.stringify(domain)} is not a redirect URI of licence ${licenseId}; add it with setRedirectUri or use one of ${JSON.stringify(redirectUris)}.`,
        );
      }
    }
    const issuedAt = new Date();
    const expiresAt = issuedAt.getTime() + this.o.challenges.lifetimeMs;
    const message = createSiweMessage({
      domain: uri.host,
      address: clientId,
      statement: "Sign in to the DIMO-compatible node with your developer licence.",
      uri: domain,
      version: "1",
      chainId: this.o.chainId,
      nonce: randomBytes(16).toString("hex"),
      issuedAt,
      expirationTime: new Date(expiresAt),
    });
    const state = this.o.challenges.issue({ clientId, domain, message, licenseId, expiresAt });
    return { state, challenge: message };
  }

  async submitChallenge(params: URLSearchParams): Promise<TokenResponse> {
    const grantType = params.get("grant_type");
    if (grantType && grantType !== "authorization_code") {
      throw badRequest(
        "unsupported_grant_type",
        `grant_type ${JSON.stringify(grantType)}: use "authorization_code".`,
      );
    }
    const clientId = addressParam(params, "client_id");
    const domain = requiredParam(params, "domain", 512);
    const state = requiredParam(params, "state", 128);
    const signature = requiredParam(params, "signature", 2 + 2 * 65 * 4);
    const challenge = this.o.challenges.take(state);
    if (challenge.clientId !== clientId || challenge.domain !== domain) {
      throw badRequest(
        "invalid_state",
        `This state was issued to ${challenge.clientId} for ${challenge.domain}, not ${clientId} for ${domain}.`,
      );
    }
    if (!isHex(signature) || signature.length < 132) {
      throw badRequest(
        "invalid_signature",
        "`signature` must be a 0x-hex EIP-191 signature of the challenge.",
      );
    }
    await this.checkSignature(challenge.clientId, challenge.licenseId, challenge.message, signature);
    const isLicense = challenge.licenseId !== 0n;
    const claims = {
      ethereum_address: clientId,
      token_use: isLicense ? "developer" : "user",
      ...(isLicense ? { developer_license_id: challenge.licenseId.toString() } : {}),
    };
    const p = {
      issuer: this.o.issuer,
      audience: clientId,
      subject: clientId,
      expiresInSeconds: this.o.tokenLifetimeSeconds,
    };
    const [access, id] = await Promise.all([
      this.o.keys.sign(claims, p),
      this.o.keys.sign({ ...claims, token_use_hint: "id_token" }, p),
    ]);
    return {
      access_token: access,
      token_type: "bearer",
      expires_in: this.o.tokenLifetimeSeconds,
      id_token: id,
    };
  }

  /** A licence (or a contract wallet) decides by ERC-1271; a plain wallet by ecrecover. */
  private async checkSignature(clientId: Address, licenseId: bigint, message: string, signature: Hex) {
    let signer: Address;
    try {
      signer = await recoverMessageAddress({ message, signature });
    } catch {
      throw forbidden(
        "invalid_signature",
        "The signature does not recover to any address; sign the exact challenge text.",
      );
    }
    const code = licenseId === 0n ? await this.o.chain.publicClient.getCode({ address: clientId }) : "0x01";
    if (!code || code === "0x") {
      if (signer !== clientId) {
        throw forbidden("invalid_signature", `The challenge was signed by ${signer}, not by ${clientId}.`);
      }
      return;
    }
    let answer: Hex | undefined;
    try {
      answer = await this.o.chain.publicClient.readContract({
        address: clientId,
        abi: devLicenseAccountAbi,
        functionName: "isValidSignature",
        args: [hashMessage(message), signature],
      });
    } catch {
      answer = undefined;
    }
    if (answer !== ERC1271_MAGIC) {
      throw forbidden(
        "invalid_signature",
        licenseId === 0n
          ? `Contract wallet ${clientId} rejects the signature by ${signer} (ERC-1271).`
          : `${signer} is not an enabled signer of licence ${licenseId}; enable it with enableSigner (or renew its expiry) and sign again.`,
      );
    }
  }
}

function requiredParam(params: URLSearchParams, name: string, maxLength: number): string {
  const value = params.get(name);
  if (!value) throw badRequest("invalid_request", `Missing parameter \`${name}\`.`);
  if (value.length > maxLength) {
    throw badRequest("invalid_request", `Parameter \`${name}\` is longer than ${maxLength} characters.`);
  }
  return value;
}

function addressParam(params: URLSearchParams, name: string): Address {
  const value = requiredParam(params, name, 42);
  if (!isAddress(value, { strict: false })) {
    throw badRequest("invalid_request", `\`${name}\` ${JSON.stringify(value)} is not a 20-byte hex address.`);
  }
  return getAddress(value);
}

function parseDomain(domain: string): URL {
  try {
    const url = new URL(domain);
    if (url.protocol === "http:" || url.protocol === "https:") return url;
  } catch {
    // fall through to the error below
  }
  throw badRequest(
    "invalid_domain",
    `Domain ${JSON.stringify(domain)} is not an http(s) URL; send the redirect URI registered on the licence.`,
  );
}
