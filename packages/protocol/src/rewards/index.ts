import "./errors.ts";

export * from "./actions.ts";
export * from "./addresses.ts";
export * from "./allocation.ts";
export * from "./deploy.ts";
export * from "./inputs.ts";
export * from "./schedule.ts";
export * from "./streak.ts";
export * from "./tree.ts";
export * from "./verify.ts";
