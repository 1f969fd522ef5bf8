import "./errors.ts";

export * from "./actions.ts";
export * from "./addresses.ts";
export * from "./deploy.ts";
export * from "./usage.ts";
