/** What apps did with each vehicle's data, for its owner. */
export { type AccessEntry, AccessLog, type AccessOperation } from "./accessLog.ts";
