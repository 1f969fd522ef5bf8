#!/usr/bin/env -S npx tsx
/**
 * Runs the device agent: `tsx packages/device/src/main.ts --config agent.json` (docs/device.md).
 * Stops cleanly on SIGINT/SIGTERM: the buffer is synced and nothing unacknowledged is lost.
 */
import { parseArgs } from "node:util";
import { pino } from "pino";
import { createDeviceAgent, readAgentConfig } from "./agent/agent-config.ts";
import { DeviceError } from "./errors.ts";

const log = pino({ name: "dimo-device" });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help || !values.config) {
    process.stdout.write(
      "Usage: tsx packages/device/src/main.ts --config agent.json\n(see docs/device.md)\n",
    );
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const { config, baseDir } = readAgentConfig(values.config);
  const agent = await createDeviceAgent(config, { baseDir, log });
  await agent.start();
  log.info({ can: config.can.type, uplink: config.uplink.type, codec: config.codec }, "device agent running");
  const stop = async (signal: string) => {
    log.info({ signal, status: agent.status.buffer }, "stopping");
    await agent.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof DeviceError) {
    log.error({ details: error.details }, error.shortMessage);
    process.exitCode = 1;
    return;
  }
  log.error({ err: error }, "device agent failed");
  process.exitCode = 1;
});
