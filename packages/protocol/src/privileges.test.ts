import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodePermissions,
  encodePermissions,
  hasPrivilege,
  PRIVILEGE_IDS,
  permissionsToHex,
  privilegeFromName,
  privilegeTokenName,
  UnknownPrivilegeError,
} from "./privileges.ts";

describe("permission bitmask", () => {
  it("matches DIMO's worked example: 816 grants privileges 2 and 4", () => {
    expect(encodePermissions([2, 4])).toBe(816n);
    expect(decodePermissions(816n)).toEqual([2, 4]);
    expect(permissionsToHex(816n)).toBe("0x330");
  });

  it("grants nothing for a half-set pair", () => {
    expect(decodePermissions(1n << 2n)).toEqual([]);
    expect(hasPrivilege(0b10n << 2n, 1)).toBe(false);
  });

  it("round-trips any set of privilege ids (property)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 127 })), (ids) => {
        const sorted = [...ids].sort((a, b) => a - b);
        expect(decodePermissions(encodePermissions(ids))).toEqual(sorted);
      }),
    );
  });

  it("rejects privilege 0 and ids beyond the 256-bit mask", () => {
    expect(() => encodePermissions([0])).toThrow(UnknownPrivilegeError);
    expect(() => encodePermissions([128])).toThrow(UnknownPrivilegeError);
  });

  it("maps token names both ways", () => {
    for (const id of PRIVILEGE_IDS) expect(privilegeFromName(privilegeTokenName(id))).toBe(id);
    expect(privilegeFromName("privilege:GetLocationHistory")).toBe(4);
    expect(() => privilegeFromName("privilege:Teleport")).toThrow(/Unknown privilege/);
  });
});
