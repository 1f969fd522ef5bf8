import {
  deployProtocol,
  mintManufacturer,
  type ProtocolAddresses,
  type ProtocolClient,
  smartWalletAbi,
  smartWalletBytecode,
  writeContract,
} from "@dimo-open/protocol";
import {
  createDevnetProvider,
  type DevnetProvider,
  deriveDevnetAccounts,
  devnetChain,
} from "@dimo-open/protocol/devnet";
import {
  type Abi,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  encodeFunctionData,
  getAddress,
  type LocalAccount,
  type PublicClient,
} from "viem";

/** One role in a test: a local key, its address and a protocol client that signs with it. */
export interface Actor {
  account: LocalAccount;
  address: Address;
  client: ProtocolClient;
}

export interface Fixture {
  devnet: DevnetProvider;
  addresses: ProtocolAddresses;
  /** Deployer, admin of the registries, treasury of the DIMO supply. */
  admin: ProtocolClient;
  adminAccount: LocalAccount;
  maker: Actor;
  alice: Actor;
  bob: Actor;
  app: Actor;
  relayer: ProtocolClient;
  /** The fixture's manufacturer, owned by `maker`. */
  manufacturerId: bigint;
  now(): Promise<bigint>;
  increaseTime(seconds: number): Promise<void>;
  /** Mines the next block at exactly `timestamp`. */
  mineAt(timestamp: bigint): Promise<void>;
  deploySmartWallet(owner: Actor): Promise<Address>;
  /** Calls a contract through `wallet`, owned by `owner`. */
  viaWallet(
    owner: Actor,
    wallet: Address,
    call: { address: Address; abi: Abi; functionName: string; args: readonly unknown[] },
  ): Promise<void>;
  close(): Promise<void>;
}

/**
 * A fresh in-process devnet with the protocol deployed and one manufacturer minted. Each actor
 * signs locally with a key derived from the devnet mnemonic and sends raw transactions, exactly
 * as it would against any other EVM RPC.
 */
export async function protocolFixture(): Promise<Fixture> {
  const devnet = await createDevnetProvider({
    initialTimestamp: 1_800_000_000,
    accounts: 8,
    hardfork: "cancun",
  });
  const chain: Chain = devnetChain({ chainId: devnet.chainId });
  // No retries: a revert is an answer, not a transient fault.
  const transport = custom(devnet, { retryCount: 0 });
  const publicClient = createPublicClient({
    chain,
    transport,
    pollingInterval: 20,
    cacheTime: 0,
  }) as PublicClient;
  const keys = deriveDevnetAccounts(undefined, 8);
  const clientFor = (account: LocalAccount, addresses: ProtocolAddresses): ProtocolClient => ({
    publicClient,
    walletClient: createWalletClient({ chain, transport, account, pollingInterval: 20, cacheTime: 0 }),
    addresses,
  });
  const [adminKey, makerKey, aliceKey, bobKey, appKey, relayerKey] = keys as unknown as LocalAccount[];
  const bootstrap = clientFor(adminKey!, {} as ProtocolAddresses);
  const addresses = await deployProtocol(bootstrap);
  const actor = (account: LocalAccount): Actor => ({
    account,
    address: account.address,
    client: clientFor(account, addresses),
  });
  const admin = clientFor(adminKey!, addresses);
  const maker = actor(makerKey!);
  const { tokenId: manufacturerId } = await mintManufacturer(admin, {
    name: "Fixture Devices",
    owner: maker.address,
  });

  const now = async () => (await publicClient.getBlock()).timestamp;
  return {
    devnet,
    addresses,
    admin,
    adminAccount: adminKey!,
    maker,
    alice: actor(aliceKey!),
    bob: actor(bobKey!),
    app: actor(appKey!),
    relayer: clientFor(relayerKey!, addresses),
    manufacturerId,
    now,
    async increaseTime(seconds) {
      await devnet.request({ method: "evm_increaseTime", params: [seconds] });
      await devnet.request({ method: "evm_mine", params: [] });
    },
    async mineAt(timestamp) {
      await devnet.request({ method: "evm_mine", params: [Number(timestamp)] });
    },
    async deploySmartWallet(owner) {
      const hash = await owner.client.walletClient.deployContract({
        abi: smartWalletAbi,
        bytecode: smartWalletBytecode,
        args: [owner.address],
        chain,
        account: owner.account,
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      return getAddress(receipt.contractAddress!);
    },
    async viaWallet(owner, wallet, call) {
      await writeContract(owner.client, {
        address: wallet,
        abi: smartWalletAbi,
        functionName: "execute",
        args: [call.address, 0n, encodeFunctionData(call as Parameters<typeof encodeFunctionData>[0])],
      });
    },
    close: () => devnet.close(),
  };
}
