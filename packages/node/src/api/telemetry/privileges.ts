import { getSignal, PRIVILEGE_TOKEN_NAMES, type PrivilegeId } from "@dimo-open/signals";
import { GraphQLError } from "graphql";

/** DIMO's field-level refusal: HTTP 200, the field null, this message in `errors`. */
export function missingPrivilege(anyOf: readonly number[]): GraphQLError {
  const names = anyOf.map((p) => PRIVILEGE_TOKEN_NAMES[p as PrivilegeId] ?? `privilege:${p}`);
  return new GraphQLError(
    `unauthorized: missing required privilege(s) ${names.length > 1 ? `one of ${names.join(", ")}` : names[0]}`,
    { extensions: { code: "UNAUTHORIZED" } },
  );
}

export function canRead(signal: string, held: readonly number[]): boolean {
  return getSignal(signal).anyOfPrivileges.some((p) => held.includes(p));
}

export function requireSignal(signal: string, held: readonly number[]): void {
  if (!canRead(signal, held)) throw missingPrivilege(getSignal(signal).anyOfPrivileges);
}

export function requirePrivilege(privilege: number, held: readonly number[]): void {
  if (!held.includes(privilege)) throw missingPrivilege([privilege]);
}
