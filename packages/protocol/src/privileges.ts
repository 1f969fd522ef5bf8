/**
 * Vehicle privileges exactly as DIMO numbers them (shared/reference/dimo-api.md).
 * In a grant bitmask, privilege i occupies bits 2i and 2i+1 and counts only when both are set.
 */
export const Privilege = {
  GetNonLocationHistory: 1,
  ExecuteCommands: 2,
  GetCurrentLocation: 3,
  GetLocationHistory: 4,
  GetVINCredential: 5,
  GetLiveData: 6,
  GetRawData: 7,
  GetApproximateLocation: 8,
} as const;

export type PrivilegeName = keyof typeof Privilege;
export type PrivilegeId = (typeof Privilege)[PrivilegeName];

export const PRIVILEGE_IDS: readonly PrivilegeId[] = Object.values(Privilege);

/** GraphQL enum names used by DIMO's identity and telemetry APIs. */
export const PRIVILEGE_GRAPHQL_ENUM: Readonly<Record<PrivilegeId, string>> = {
  1: "VEHICLE_NON_LOCATION_DATA",
  2: "VEHICLE_COMMANDS",
  3: "VEHICLE_CURRENT_LOCATION",
  4: "VEHICLE_ALL_TIME_LOCATION",
  5: "VEHICLE_VIN_CREDENTIAL",
  6: "VEHICLE_LIVE_DATA",
  7: "VEHICLE_RAW_DATA",
  8: "VEHICLE_APPROXIMATE_LOCATION",
};

/** Highest privilege id the 256-bit mask can carry (bits 2i, 2i+1 ≤ 255). */
export const MAX_PRIVILEGE_ID = 127;

export class UnknownPrivilegeError extends Error {
  override name = "UnknownPrivilegeError";
  constructor(readonly privilege: string | number) {
    super(
      `Unknown privilege ${JSON.stringify(privilege)}: expected one of ${PRIVILEGE_IDS.join(", ")} or privilege:<Name>`,
    );
  }
}

export function isPrivilegeId(value: unknown): value is PrivilegeId {
  return typeof value === "number" && (PRIVILEGE_IDS as readonly number[]).includes(value);
}

/** `privilege:GetNonLocationHistory` ⇄ 1, as in vehicle tokens and token-exchange requests. */
export function privilegeTokenName(id: PrivilegeId): `privilege:${PrivilegeName}` {
  const entry = Object.entries(Privilege).find(([, v]) => v === id);
  if (!entry) throw new UnknownPrivilegeError(id);
  return `privilege:${entry[0] as PrivilegeName}`;
}

export function privilegeFromName(name: string): PrivilegeId {
  const bare = name.startsWith("privilege:") ? name.slice("privilege:".length) : name;
  const id = (Privilege as Record<string, PrivilegeId>)[bare];
  if (id === undefined) throw new UnknownPrivilegeError(name);
  return id;
}

/** Mask for one privilege: both of its bits. */
export function privilegeMask(id: number): bigint {
  if (!Number.isInteger(id) || id < 1 || id > MAX_PRIVILEGE_ID) throw new UnknownPrivilegeError(id);
  return 3n << BigInt(2 * id);
}

/** Encode privilege ids into DIMO's 2-bit-per-privilege permission mask. */
export function encodePermissions(ids: Iterable<number>): bigint {
  let mask = 0n;
  for (const id of ids) mask |= privilegeMask(id);
  return mask;
}

/** Decode a mask into the privilege ids it grants (both bits set), ascending. Half-set pairs grant nothing. */
export function decodePermissions(mask: bigint): number[] {
  if (mask < 0n || mask >= 1n << 256n) throw new RangeError(`permission mask out of uint256 range: ${mask}`);
  const ids: number[] = [];
  for (let id = 1; id <= MAX_PRIVILEGE_ID; id++) {
    const m = 3n << BigInt(2 * id);
    if ((mask & m) === m) ids.push(id);
  }
  return ids;
}

export function hasPrivilege(mask: bigint, id: number): boolean {
  const m = privilegeMask(id);
  return (mask & m) === m;
}

/** The 0x-hex form the identity API returns in `sacds.permissions`. */
export function permissionsToHex(mask: bigint): `0x${string}` {
  return `0x${mask.toString(16)}`;
}
