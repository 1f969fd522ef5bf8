export * from "./did.ts";
export * from "./privileges.ts";
