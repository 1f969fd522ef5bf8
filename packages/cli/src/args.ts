/**
 * Parsers for command-line values: each refuses a bad value with a message that names the
 * option, the value and what it should be (commander prints it and exits with the usage code).
 */

import { PRIVILEGE_IDS, Privilege, type PrivilegeId, privilegeFromName } from "@dimo-open/protocol";
import { InvalidArgumentError } from "commander";
import { type Address, getAddress, isAddress, parseEther } from "viem";

export function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${value}".`);
    return n;
  };
}

export const port = integer(0, 65_535);

/** A token id (uint256) as a bigint. */
export function tokenId(value: string): bigint {
  if (!/^\d{1,78}$/.test(value.trim()))
    throw new InvalidArgumentError(`expected a token id (a whole number), got "${value}".`);
  const id = BigInt(value.trim());
  if (id >= 2n ** 256n) throw new InvalidArgumentError(`token id ${value} does not fit in 256 bits.`);
  return id;
}

export function address(value: string): Address {
  if (!isAddress(value.trim(), { strict: false }))
    throw new InvalidArgumentError(`expected a 0x address of 40 hex digits, got "${value}".`);
  return getAddress(value.trim());
}

/** "1000" or "1000.5" DIMO → wei. */
export function dimoAmount(value: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value.trim()))
    throw new InvalidArgumentError(`expected an amount of DIMO such as 100 or 2.5, got "${value}".`);
  return parseEther(value.trim());
}

export function positiveBigint(value: string): bigint {
  if (!/^[1-9]\d{0,30}$/.test(value.trim()))
    throw new InvalidArgumentError(`expected a positive whole number, got "${value}".`);
  return BigInt(value.trim());
}

/** "30d", "12h", "90m", "45s" or plain seconds → seconds. */
export function duration(value: string): number {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(value.trim());
  if (!m)
    throw new InvalidArgumentError(`expected a duration such as 30d, 12h, 90m or 3600, got "${value}".`);
  const seconds = Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] ?? "s") as "s"];
  if (seconds <= 0 || seconds > 100 * 365 * 86_400)
    throw new InvalidArgumentError(`a duration from 1 second to 100 years, got "${value}".`);
  return seconds;
}

/**
 * Privileges by name, comma-separated: `GetNonLocationHistory,GetLocationHistory` (the
 * `privilege:` prefix and ids 1–8 are accepted too).
 */
export function privileges(value: string): PrivilegeId[] {
  const out: PrivilegeId[] = [];
  for (const raw of value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    let id: PrivilegeId;
    if (/^\d+$/.test(raw)) {
      const n = Number(raw);
      if (!(PRIVILEGE_IDS as readonly number[]).includes(n))
        throw new InvalidArgumentError(`unknown privilege ${raw}; known: ${privilegeList()}.`);
      id = n as PrivilegeId;
    } else {
      try {
        id = privilegeFromName(raw);
      } catch {
        throw new InvalidArgumentError(`unknown privilege "${raw}"; known: ${privilegeList()}.`);
      }
    }
    if (!out.includes(id)) out.push(id);
  }
  if (out.length === 0) throw new InvalidArgumentError(`name at least one privilege: ${privilegeList()}.`);
  return out.sort((a, b) => a - b);
}

export function privilegeList(): string {
  return Object.entries(Privilege)
    .map(([name, id]) => `${name} (${id})`)
    .join(", ");
}

export function privilegeNames(ids: readonly number[]): string[] {
  return ids.map((id) => Object.entries(Privilege).find(([, v]) => v === id)?.[0] ?? String(id));
}

/** A URI the chain stores (evidence, specifications, terms): bounded, no control characters. */
export function uri(value: string): string {
  const v = value.trim();
  const printable = [...v].every((c) => c.charCodeAt(0) > 0x20 && c.charCodeAt(0) !== 0x7f);
  if (v.length === 0 || v.length > 2048 || !printable || !/^[a-z][a-z0-9+.-]*:/i.test(v))
    throw new InvalidArgumentError(
      `expected a URI such as https://… or ipfs://… (no spaces, ≤ 2048 characters), got "${value}".`,
    );
  return v;
}
