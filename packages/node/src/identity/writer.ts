import type { Address } from "viem";
import type { EventPosition } from "../chain/eventSource.ts";
import type { JournaledStore } from "../chain/journaledStore.ts";
import {
  deviceAddresses,
  deviceBans,
  devices,
  devLicenseRedirectUris,
  devLicenseSigners,
  devLicenses,
  grants,
  grantTemplates,
  manufacturerAttributes,
  manufacturers,
  pairings,
  rewardClaims,
  rewardWeeks,
  tokenVersions,
  vehicles,
} from "./schema.ts";

/**
 * The changes events make to the identity index, bound to one event's position (its block and
 * block time stamp every row it writes). Event handlers, ours and those of later contracts (the
 * hardware-licensing layer's bans), call these; nothing else writes the index.
 *
 * Each method tolerates what an index started after a contract's deployment may lack (an event
 * about a token it never saw minted is skipped), so that a handler never wedges the indexer.
 */
export class IdentityWriter {
  readonly #store: JournaledStore;
  readonly #at: EventPosition;
  /** The contract whose event is being applied. */
  readonly source: Address;

  constructor(store: JournaledStore, at: EventPosition, source: Address) {
    this.#store = store;
    this.#at = at;
    this.source = source;
  }

  get position(): EventPosition {
    return this.#at;
  }

  // ---------------------------------------------------------------- manufacturers

  async mintManufacturer(p: {
    tokenId: bigint;
    name: string;
    owner: Address;
    minter: Address;
  }): Promise<void> {
    await this.#store.put(manufacturers, {
      tokenId: p.tokenId,
      name: p.name,
      owner: p.owner,
      minter: p.minter,
      mintedAt: this.#at.blockTime,
      mintedBlock: this.#at.blockNumber,
    });
  }

  /** Sets an attribute; an empty value deletes it (as the contract does). */
  async setManufacturerAttribute(p: { tokenId: bigint; key: string; value: string }): Promise<void> {
    const key = { manufacturerId: p.tokenId, key: p.key };
    if (p.value === "") await this.#store.remove(manufacturerAttributes, key);
    else await this.#store.put(manufacturerAttributes, { ...key, value: p.value });
  }

  async transferManufacturer(p: { tokenId: bigint; to: Address }): Promise<void> {
    await this.#store.update(manufacturers, { tokenId: p.tokenId }, { owner: p.to });
  }

  // ---------------------------------------------------------------- vehicles

  async mintVehicle(p: {
    tokenId: bigint;
    manufacturerId: bigint;
    owner: Address;
    make: string;
    model: string;
    year: number;
    definitionUri: string;
  }): Promise<void> {
    await this.#store.put(vehicles, {
      ...p,
      mintedAt: this.#at.blockTime,
      mintedBlock: this.#at.blockNumber,
    });
  }

  async setVehicleDefinition(p: { tokenId: bigint; definitionUri: string }): Promise<void> {
    await this.#store.update(vehicles, { tokenId: p.tokenId }, { definitionUri: p.definitionUri });
  }

  async transferVehicle(p: { tokenId: bigint; to: Address }): Promise<void> {
    await this.#store.update(vehicles, { tokenId: p.tokenId }, { owner: p.to });
  }

  async burnVehicle(p: { tokenId: bigint }): Promise<void> {
    await this.#store.remove(vehicles, { tokenId: p.tokenId });
  }

  // ---------------------------------------------------------------- aftermarket devices

  async mintDevice(p: {
    tokenId: bigint;
    manufacturerId: bigint;
    address: Address;
    owner: Address;
    serial: string;
  }): Promise<void> {
    await this.#store.put(devices, {
      ...p,
      claimed: false,
      installedAt: null,
      vehicleId: null,
      mintedAt: this.#at.blockTime,
      mintedBlock: this.#at.blockNumber,
      addressSeq: 1,
      pairingSeq: 0,
    });
    await this.#store.put(deviceAddresses, {
      deviceId: p.tokenId,
      seq: 1,
      address: p.address,
      fromTime: this.#at.blockTime,
      fromBlock: this.#at.blockNumber,
      toTime: null,
      toBlock: null,
    });
  }

  async transferDevice(p: { tokenId: bigint; to: Address }): Promise<void> {
    await this.#store.update(devices, { tokenId: p.tokenId }, { owner: p.to });
  }

  async claimDevice(p: { tokenId: bigint; owner: Address }): Promise<void> {
    await this.#store.update(devices, { tokenId: p.tokenId }, { claimed: true, owner: p.owner });
  }

  /** Opens a pairing at this block's time: messages timestamped from then on speak for the vehicle. */
  async pairDevice(p: { tokenId: bigint; vehicleId: bigint }): Promise<void> {
    const device = await this.#store.get(devices, { tokenId: p.tokenId });
    if (!device) return;
    const seq = device.pairingSeq + 1;
    await this.#store.put(devices, { ...device, vehicleId: p.vehicleId, pairingSeq: seq });
    await this.#store.put(pairings, {
      deviceId: p.tokenId,
      seq,
      vehicleId: p.vehicleId,
      pairedAt: this.#at.blockTime,
      pairedBlock: this.#at.blockNumber,
      unpairedAt: null,
      unpairedBlock: null,
    });
  }

  /** Closes the device's open pairing at this block's time. */
  async unpairDevice(p: { tokenId: bigint }): Promise<void> {
    const device = await this.#store.get(devices, { tokenId: p.tokenId });
    if (!device) return;
    await this.#store.put(devices, { ...device, vehicleId: null });
    if (device.pairingSeq > 0) {
      await this.#store.update(
        pairings,
        { deviceId: p.tokenId, seq: device.pairingSeq },
        { unpairedAt: this.#at.blockTime, unpairedBlock: this.#at.blockNumber },
      );
    }
  }

  async installDevice(p: { tokenId: bigint; installedAt: bigint }): Promise<void> {
    await this.#store.update(devices, { tokenId: p.tokenId }, { installedAt: p.installedAt });
  }

  /** The device went back to its manufacturer: unclaimed again (the Transfer event moves ownership). */
  async returnDevice(p: { tokenId: bigint }): Promise<void> {
    await this.#store.update(devices, { tokenId: p.tokenId }, { claimed: false });
  }

  /** Binds the device to a new secure-element address from this block's time on. */
  async reprovisionDevice(p: { tokenId: bigint; newAddress: Address }): Promise<void> {
    const device = await this.#store.get(devices, { tokenId: p.tokenId });
    if (!device) return;
    const seq = device.addressSeq + 1;
    await this.#store.update(
      deviceAddresses,
      { deviceId: p.tokenId, seq: device.addressSeq },
      { toTime: this.#at.blockTime, toBlock: this.#at.blockNumber },
    );
    await this.#store.put(deviceAddresses, {
      deviceId: p.tokenId,
      seq,
      address: p.newAddress,
      fromTime: this.#at.blockTime,
      fromBlock: this.#at.blockNumber,
      toTime: null,
      toBlock: null,
    });
    await this.#store.put(devices, { ...device, address: p.newAddress, addressSeq: seq });
  }

  /**
   * Bans a device: from the moment this is indexed, ingest refuses its messages whatever their
   * time. For the hardware-licensing contracts' handlers; `source` is the banning contract.
   */
  async banDevice(p: { deviceId: bigint; reason?: string }): Promise<void> {
    await this.#store.put(deviceBans, {
      deviceId: p.deviceId,
      source: this.source,
      reason: p.reason ?? "",
      bannedAt: this.#at.blockTime,
      bannedBlock: this.#at.blockNumber,
    });
  }

  async unbanDevice(p: { deviceId: bigint }): Promise<void> {
    await this.#store.remove(deviceBans, { deviceId: p.deviceId });
  }

  // ---------------------------------------------------------------- permissions

  async setGrant(p: {
    asset: Address;
    tokenId: bigint;
    grantee: Address;
    permissions: bigint;
    expiration: bigint;
    source: string;
    grantor: Address;
    tokenVersion: bigint;
    templateId: bigint;
    templateEpoch: bigint;
  }): Promise<void> {
    await this.#store.put(grants, {
      ...p,
      permissions: `0x${p.permissions.toString(16)}`,
      createdAt: this.#at.blockTime,
      createdBlock: this.#at.blockNumber,
    });
  }

  async removeGrant(p: { asset: Address; tokenId: bigint; grantee: Address }): Promise<void> {
    await this.#store.remove(grants, p);
  }

  async setTokenVersion(p: { asset: Address; tokenId: bigint; version: bigint }): Promise<void> {
    await this.#store.put(tokenVersions, p);
  }

  async createGrantTemplate(p: {
    templateId: bigint;
    creator: Address;
    asset: Address;
    permissions: bigint;
    source: string;
  }): Promise<void> {
    await this.#store.put(grantTemplates, {
      ...p,
      permissions: `0x${p.permissions.toString(16)}`,
      active: true,
      epoch: 1n,
      createdAt: this.#at.blockTime,
    });
  }

  async setGrantTemplateActive(p: { templateId: bigint; active: boolean; epoch: bigint }): Promise<void> {
    await this.#store.update(
      grantTemplates,
      { templateId: p.templateId },
      { active: p.active, epoch: p.epoch },
    );
  }

  // ---------------------------------------------------------------- developer licences

  async issueDevLicense(p: { tokenId: bigint; owner: Address; clientId: Address }): Promise<void> {
    await this.#store.put(devLicenses, {
      ...p,
      alias: null,
      issuedAt: this.#at.blockTime,
      issuedBlock: this.#at.blockNumber,
    });
  }

  /** Sets the alias; "" clears it. */
  async setDevLicenseAlias(p: { tokenId: bigint; alias: string }): Promise<void> {
    await this.#store.update(devLicenses, { tokenId: p.tokenId }, { alias: p.alias === "" ? null : p.alias });
  }

  async enableDevLicenseSigner(p: { tokenId: bigint; signer: Address; expiresAt: bigint }): Promise<void> {
    await this.#store.put(devLicenseSigners, {
      licenseId: p.tokenId,
      signer: p.signer,
      expiresAt: p.expiresAt,
      enabledAt: this.#at.blockTime,
    });
  }

  async disableDevLicenseSigner(p: { tokenId: bigint; signer: Address }): Promise<void> {
    await this.#store.remove(devLicenseSigners, { licenseId: p.tokenId, signer: p.signer });
  }

  async setDevLicenseRedirectUri(p: { tokenId: bigint; uri: string; enabled: boolean }): Promise<void> {
    const key = { licenseId: p.tokenId, uri: p.uri };
    if (p.enabled) await this.#store.put(devLicenseRedirectUris, { ...key, addedAt: this.#at.blockTime });
    else await this.#store.remove(devLicenseRedirectUris, key);
  }

  // ---------------------------------------------------------------- rewards (DimoRewards)

  /** A week's root was published (or published again after a rejection). */
  async publishRewardsWeek(p: {
    week: bigint;
    root: string;
    total: bigint;
    inputsHash: string;
    inputsURI: string;
    finalAt: bigint;
    publisher: Address;
  }): Promise<void> {
    await this.#store.put(rewardWeeks, {
      week: p.week,
      root: p.root,
      total: p.total.toString(),
      inputsHash: p.inputsHash,
      inputsUri: p.inputsURI,
      publisher: p.publisher,
      publishedAt: this.#at.blockTime,
      finalAt: p.finalAt,
      status: "pending",
      publishedBlock: this.#at.blockNumber,
    });
  }

  async challengeRewardsWeek(p: { week: bigint }): Promise<void> {
    await this.#store.update(rewardWeeks, { week: p.week }, { status: "challenged" });
  }

  async resolveRewardsChallenge(p: { week: bigint; upheld: boolean }): Promise<void> {
    await this.#store.update(rewardWeeks, { week: p.week }, { status: p.upheld ? "rejected" : "confirmed" });
  }

  /** A vehicle's reward for a week was paid to its beneficiary. */
  async claimReward(p: {
    week: bigint;
    vehicleId: bigint;
    beneficiary: Address;
    amount: bigint;
  }): Promise<void> {
    await this.#store.put(rewardClaims, {
      week: p.week,
      vehicleId: p.vehicleId,
      beneficiary: p.beneficiary,
      amount: p.amount.toString(),
      claimedAt: this.#at.blockTime,
      claimedBlock: this.#at.blockNumber,
    });
  }
}
