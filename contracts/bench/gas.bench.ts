/**
 * Gas of each protocol operation, and the devnet's throughput for vehicle mints in-process and
 * over JSON-RPC. Gas figures are deterministic (same code, same inputs); throughput depends on the
 * machine and is measured sequentially (automine: one block per transaction).
 */

import {
  claimDevice,
  claimDeviceMessage,
  deployProtocol,
  encodePermissions,
  grantPrivileges,
  mintDevices,
  mintManufacturer,
  mintVehicle,
  type ProtocolClient,
  pairDevice,
  pairDeviceMessage,
  pairDeviceWithSignatures,
  permissionsAbi,
  revokeGrant,
  signTypedMessage,
  unpairDevice,
  type WriteResult,
} from "@dimo-open/protocol";
import { deriveDevnetAccounts, devnetChain, startDevnet } from "@dimo-open/protocol/devnet";
import {
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  http,
  type LocalAccount,
  type PublicClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { protocolFixture } from "../test/fixture.ts";

const car = { make: "Toyota", model: "Corolla", year: 2020, definitionURI: "ipfs://toyota-corolla-2020" };
const gas = (r: WriteResult) => r.receipt.gasUsed;

async function gasTable(): Promise<string[]> {
  const f = await protocolFixture();
  const rows: [string, bigint | string][] = [];
  const mint = await mintVehicle(f.alice.client, { manufacturerId: f.manufacturerId, ...car });
  rows.push(["mint vehicle (owner)", gas(mint)]);
  for (const n of [1, 10, 100]) {
    const keys = Array.from({ length: n }, () => privateKeyToAccount(generatePrivateKey()));
    const r = await mintDevices(f.maker.client, {
      manufacturerId: f.manufacturerId,
      devices: keys.map((k, i) => ({ deviceAddress: k.address, serial: `SN-${n}-${i}` })),
    });
    rows.push([`mint ${n} device(s) (per device)`, `${gas(r)} (${gas(r) / BigInt(n)})`]);
  }
  const key = privateKeyToAccount(generatePrivateKey());
  const { tokenIds } = await mintDevices(f.maker.client, {
    manufacturerId: f.manufacturerId,
    devices: [{ deviceAddress: key.address }],
  });
  const deviceId = tokenIds[0]!;
  const cm = await claimDeviceMessage(f.alice.client, {
    deviceId,
    deviceAddress: key.address,
    owner: f.alice.address,
    deadline: (await f.now()) + 600n,
  });
  rows.push([
    "claim device (device signature)",
    gas(await claimDevice(f.alice.client, cm, await signTypedMessage(key, cm))),
  ]);
  rows.push([
    "pair (owner of both, first pairing = installation)",
    gas(await pairDevice(f.alice.client, { deviceId, vehicleId: mint.tokenId })),
  ]);
  rows.push(["unpair", gas(await unpairDevice(f.alice.client, deviceId))]);
  const deadline = (await f.now()) + 600n;
  const dm = await pairDeviceMessage(f.relayer, {
    deviceId,
    vehicleId: mint.tokenId,
    signer: key.address,
    deadline,
  });
  const om = await pairDeviceMessage(f.relayer, {
    deviceId,
    vehicleId: mint.tokenId,
    signer: f.alice.address,
    deadline,
  });
  const sigPair = await pairDeviceWithSignatures(f.relayer, {
    device: { message: dm, signature: await signTypedMessage(key, dm) },
    owner: { message: om, signature: await signTypedMessage(f.alice.account, om) },
  });
  rows.push(["pair with device + owner signatures (relayed)", gas(sigPair)]);
  const expiration = (await f.now()) + 86_400n;
  const grant = await grantPrivileges(f.alice.client, {
    tokenId: mint.tokenId,
    grantee: f.app.address,
    privileges: [1, 4],
    expiration,
    source: "ipfs://terms",
  });
  rows.push(["grant privileges 1+4", gas(grant)]);
  const check = await f.alice.client.publicClient.estimateGas({
    account: f.app.address,
    to: f.addresses.permissions,
    data: encodeFunctionData({
      abi: permissionsAbi,
      functionName: "getPermissions",
      args: [f.addresses.vehicleId, mint.tokenId, f.app.address, encodePermissions([1, 4])],
    }),
  });
  rows.push(["exchange-time permission check `getPermissions` (eth_call; incl. 21,000 intrinsic)", check]);
  rows.push([
    "revoke",
    gas(await revokeGrant(f.alice.client, { tokenId: mint.tokenId, grantee: f.app.address })),
  ]);
  await f.close();
  return ["| operation | gas |", "|---|---:|", ...rows.map(([op, g]) => `| ${op} | ${g.toString()} |`)];
}

async function mintRate(client: ProtocolClient, manufacturerId: bigint, seconds: number): Promise<number> {
  // Warm up, then count sequential mints (each waits for its receipt) for `seconds`.
  for (let i = 0; i < 5; i++) await mintVehicle(client, { manufacturerId, ...car });
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    await mintVehicle(client, { manufacturerId, ...car });
    n++;
  }
  return n / ((performance.now() - started) / 1000);
}

async function throughput(): Promise<string[]> {
  const devnet = await startDevnet({ port: 0, accounts: 4, hardfork: "cancun" });
  const chain = devnetChain(devnet);
  const [admin, owner] = deriveDevnetAccounts(undefined, 2) as unknown as LocalAccount[];
  const { custom } = await import("viem");
  const inProc = custom(devnet.provider, { retryCount: 0 });
  const overHttp = http(devnet.rpcUrl, { retryCount: 0 });
  const make = (
    transport: typeof inProc | typeof overHttp,
    account: LocalAccount,
    addresses: ProtocolClient["addresses"],
  ) => ({
    publicClient: createPublicClient({ chain, transport, pollingInterval: 5, cacheTime: 0 }) as PublicClient,
    walletClient: createWalletClient({ chain, transport, account, pollingInterval: 5, cacheTime: 0 }),
    addresses,
  });
  const addresses = await deployProtocol(make(inProc, admin!, {} as ProtocolClient["addresses"]));
  const { tokenId: manufacturerId } = await mintManufacturer(make(inProc, admin!, addresses), {
    name: "Bench",
    owner: admin!.address,
  });
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const a = await mintRate(make(inProc, owner!, addresses), manufacturerId, seconds);
  const b = await mintRate(make(overHttp, owner!, addresses), manufacturerId, seconds);
  await devnet.close();
  return [
    "| path | vehicle mints / s |",
    "|---|---:|",
    `| in-process (viem \`custom\` transport → EDR) | ${a.toFixed(0)} |`,
    `| JSON-RPC over HTTP on 127.0.0.1 | ${b.toFixed(0)} |`,
    "",
    `Each mint is simulated (eth_call), signed locally (secp256k1 in JS), sent as a raw transaction, mined (automine) and its receipt fetched; sequential, ${seconds} s per path after 5 warm-up mints, ratio HTTP ÷ in-process = ${(b / a).toFixed(2)}.`,
  ];
}

export default async function bench(): Promise<string> {
  const table = await gasTable();
  const rate = await throughput();
  return [
    "## Protocol: gas per operation and devnet throughput",
    "",
    "Gas used as reported by transaction receipts on the devnet (cancun rules, solc 0.8.30, optimizer 200 runs).",
    "",
    ...table,
    "",
    "### Devnet throughput (vehicle mints)",
    "",
    ...rate,
  ].join("\n");
}
