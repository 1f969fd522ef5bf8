/** The devnet stack: everything `dimo devnet` runs, importable by tests and the console's e2e. */
export { type ConsoleConfigJson, resolveStaticPath } from "./consoleServer.ts";
export {
  SIMULATED_DEVICE_KEY_OFFSET,
  type SimulatedVehicles,
  simulatedDevice,
  startSimulatedVehicles,
} from "./fleet.ts";
export {
  DEFAULT_DATA_DIR,
  DEFAULT_STACK_PORTS,
  DEFAULT_VEHICLES,
  MAX_VEHICLES,
  resolveStackPorts,
  StackOptionError,
  type StackPorts,
} from "./options.ts";
export {
  readStackRecord,
  readStackUrls,
  STACK_FILE,
  type StackRecord,
  StackRecordError,
  type StackUrls,
  URLS_FILE,
} from "./record.ts";
export { DEMO_ROLES, type DemoRole, demoAccounts } from "./roles.ts";
export { DEMO_GRANT_PRIVILEGES, LIVE_DEVNET_GOVERNANCE } from "./setup.ts";
export {
  type DevnetStack,
  type DevnetStackOptions,
  StackPortInUseError,
  StackSetupIncompleteError,
  startDevnetStack,
} from "./stack.ts";
