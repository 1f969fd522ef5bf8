/**
 * What the device's devnet tests stand on: an in-process devnet with the protocol deployed, a
 * real node (HTTP and MQTT ingest on free ports) following it, and temp dirs for the node and the
 * device, all removed by `close`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningNode, startNode } from "@dimo-open/node";
import type { ProtocolClient } from "@dimo-open/protocol";
import { type DevnetNetwork, devnetClients, startDevnetNetwork } from "@dimo-open/protocol/devnet";

export interface DevnetWorld {
  network: DevnetNetwork;
  node: RunningNode;
  nodeDir: string;
  deviceDir: string;
  /** The protocol client of devnet account `index`, sending through the devnet's unlocked accounts. */
  as(index: number): ProtocolClient;
  close(): Promise<void>;
}

export async function startDevnetWorld(name: string): Promise<DevnetWorld> {
  const nodeDir = mkdtempSync(join(tmpdir(), `dimo-${name}-node-`));
  const deviceDir = mkdtempSync(join(tmpdir(), `dimo-${name}-device-`));
  const network = await startDevnetNetwork({ port: 0, accounts: 4 });
  const { deployment } = network;
  const node = await startNode(
    {
      dataDir: nodeDir,
      chain: {
        rpcUrl: deployment.rpcUrl,
        chainId: deployment.chainId,
        startBlock: deployment.startBlock,
        pollIntervalMs: 50,
      },
      contracts: deployment.addresses,
      api: { port: 0 },
      ingest: { http: { port: 0 }, mqtt: { port: 0 } },
      logLevel: "silent",
    },
    { provider: network.devnet.provider },
  );
  return {
    network,
    node,
    nodeDir,
    deviceDir,
    as: (index) => {
      const clients = devnetClients(network.devnet, { pollingInterval: 20 });
      return {
        publicClient: clients.publicClient,
        walletClient: clients.walletClients[index]!,
        addresses: deployment.addresses,
      };
    },
    close: async () => {
      await node.close();
      await network.close();
      rmSync(nodeDir, { recursive: true, force: true });
      rmSync(deviceDir, { recursive: true, force: true });
    },
  };
}
