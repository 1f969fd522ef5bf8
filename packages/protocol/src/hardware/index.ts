import "./errors.ts";

export * from "./addresses.ts";
export * from "./allowance.ts";
export * from "./applications.ts";
export * from "./arbitration.ts";
export * from "./deploy.ts";
export * from "./deviceStake.ts";
export * from "./governance.ts";
export * from "./license.ts";
export * from "./models.ts";
export * from "./preorders.ts";
