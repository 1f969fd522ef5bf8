/**
 * @dimo-open/node: a DIMO-compatible node. `startNode(config)` runs all of it; the parts are
 * exported for operators who compose their own (docs/architecture.md).
 */
export * as api from "./api/index.ts";
export * as chain from "./chain/index.ts";
export {
  HardwareAddressesSchema,
  type NodeConfig,
  NodeConfigError,
  type NodeConfigInput,
  NodeConfigSchema,
  parseNodeConfig,
} from "./config.ts";
export { inTransaction, type NodeDatabase, openDatabase } from "./db/database.ts";
export * as deviceServices from "./device-services/index.ts";
export * as identity from "./identity/index.ts";
export * as ingest from "./ingest/index.ts";
export { type RunningNode, type StartNodeOptions, startNode } from "./node.ts";
export * as telemetry from "./telemetry/index.ts";
