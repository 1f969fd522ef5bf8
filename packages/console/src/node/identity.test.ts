import { encodePermissions, permissionsToHex } from "@dimo-open/protocol";
import { describe, expect, it } from "vitest";
import { grantsFromSacds, vehicleName } from "./identity.ts";

describe("grantsFromSacds", () => {
  it("decodes the identity API's hex masks into named privileges, soonest expiry first", () => {
    const grants = grantsFromSacds([
      {
        grantee: "0x00000000000000000000000000000000000000a1",
        permissions: permissionsToHex(encodePermissions([1, 4])),
        source: "https://terms",
        createdAt: "2026-01-01T00:00:00Z",
        expiresAt: "2026-03-01T00:00:00Z",
      },
      {
        grantee: "0x00000000000000000000000000000000000000b2",
        permissions: "0x30c",
        source: "",
        createdAt: "2026-01-01T00:00:00Z",
        expiresAt: "2026-02-01T00:00:00Z",
      },
    ]);
    expect(grants.map((g) => g.grantee.slice(-2))).toEqual(["b2", "a1"]);
    expect(grants[1]!.privileges.map((p) => p.name)).toEqual(["GetNonLocationHistory", "GetLocationHistory"]);
    expect(grants[0]!.privileges.map((p) => p.id)).toEqual([1, 4]);
    expect(grants[1]!.privileges[1]!.description).toBe("Read location history");
    expect(grants[0]!.expiresAt.toISOString()).toBe("2026-02-01T00:00:00.000Z");
  });

  it("ignores privilege bits the catalogue does not name", () => {
    const [g] = grantsFromSacds([
      {
        grantee: "0x00000000000000000000000000000000000000a1",
        permissions: permissionsToHex(encodePermissions([1, 20])),
        source: "",
        createdAt: "2026-01-01T00:00:00Z",
        expiresAt: "2026-02-01T00:00:00Z",
      },
    ]);
    expect(g!.privileges.map((p) => p.id)).toEqual([1]);
  });
});

describe("vehicleName", () => {
  it("reads year, make and model, or falls back to the token", () => {
    expect(vehicleName({ tokenId: 7, definition: { make: "Toyota", model: "Prius", year: 2019 } })).toBe(
      "2019 Toyota Prius",
    );
    expect(vehicleName({ tokenId: 7, definition: null })).toBe("Vehicle #7");
  });
});
