/**
 * The console's wallet, plain viem in a small React context (no wagmi: the console needs one
 * viem WalletClient to hand to @dimo-open/protocol's actions, and wagmi with its query cache
 * would add weight for connectors the console does not use). Two sources:
 * - an injected browser wallet (window.ethereum, EIP-1193), when there is one;
 * - the built-in demo wallet, when the server gives a devnet's public mnemonic: accounts 0..9,
 *   labelled, signing locally.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { type Address, createWalletClient, custom, getAddress, http } from "viem";
import type { ConsoleWalletClient, Network } from "../chain/network.ts";
import { type ConsoleRole, deriveDemoAccounts } from "./demoAccounts.ts";

interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): void;
  removeListener?(event: string, listener: (...args: unknown[]) => void): void;
}

export type WalletKind = "demo" | "injected";

export interface WalletAccount {
  address: Address;
  label: string;
  role?: ConsoleRole;
}

export interface Wallet {
  kind: WalletKind | undefined;
  /** Sources this browser and this network offer. */
  kinds: WalletKind[];
  setKind(kind: WalletKind): void;
  accounts: WalletAccount[];
  account: WalletAccount | undefined;
  select(address: Address): void;
  /** Asks the browser wallet for its accounts. */
  connect(): Promise<void>;
  /** Signs and sends with the selected account; undefined until one is connected. */
  walletClient: ConsoleWalletClient | undefined;
  /** The browser wallet's chain when it is not the console's. */
  wrongChainId: number | undefined;
  switchChain(): Promise<void>;
  labelOf(address: string): string | undefined;
}

const WalletContext = createContext<Wallet | undefined>(undefined);

export function useWallet(): Wallet {
  const w = useContext(WalletContext);
  if (!w) throw new Error("useWallet outside WalletProvider");
  return w;
}

const STORAGE_KEY = "dimo-console.wallet";

function injectedProvider(): Eip1193 | undefined {
  return (globalThis as { ethereum?: Eip1193 }).ethereum;
}

export function WalletProvider(props: { network: Network; children: ReactNode }) {
  const { network } = props;
  const demo = useMemo(
    () => (network.config.demoMnemonic ? deriveDemoAccounts(network.config.demoMnemonic) : []),
    [network.config.demoMnemonic],
  );
  const injected = injectedProvider();
  const kinds: WalletKind[] = [
    ...(injected ? (["injected"] as const) : []),
    ...(demo.length ? (["demo"] as const) : []),
  ];
  const saved = (() => {
    try {
      return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}") as {
        kind?: WalletKind;
        address?: Address;
      };
    } catch {
      return {};
    }
  })();
  const [kind, setKindState] = useState<WalletKind | undefined>(
    saved.kind && kinds.includes(saved.kind) ? saved.kind : kinds[0],
  );
  const [injectedAccounts, setInjectedAccounts] = useState<Address[]>([]);
  const [injectedChain, setInjectedChain] = useState<number | undefined>();
  const [selected, setSelected] = useState<Address | undefined>(saved.address);

  // Follow the browser wallet's accounts and chain.
  useEffect(() => {
    if (!injected || kind !== "injected") return;
    const onAccounts = (a: unknown) => setInjectedAccounts((a as string[]).map((x) => getAddress(x)));
    const onChain = (c: unknown) => setInjectedChain(Number(c));
    injected.request({ method: "eth_accounts" }).then(onAccounts, () => {});
    injected.request({ method: "eth_chainId" }).then(onChain, () => {});
    injected.on?.("accountsChanged", onAccounts);
    injected.on?.("chainChanged", onChain);
    return () => {
      injected.removeListener?.("accountsChanged", onAccounts);
      injected.removeListener?.("chainChanged", onChain);
    };
  }, [injected, kind]);

  const accounts: WalletAccount[] = useMemo(
    () =>
      kind === "demo"
        ? demo.map((d) => ({ address: d.account.address, label: d.label, role: d.role }))
        : injectedAccounts.map((address) => ({ address, label: "Browser wallet" })),
    [kind, demo, injectedAccounts],
  );
  const account = accounts.find((a) => a.address === selected) ?? accounts[0];

  useEffect(() => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ kind, address: account?.address }));
  }, [kind, account?.address]);

  const walletClient = useMemo((): ConsoleWalletClient | undefined => {
    if (!account) return undefined;
    if (kind === "demo") {
      const hd = demo.find((d) => d.account.address === account.address)!.account;
      return createWalletClient({
        account: hd,
        chain: network.chain,
        transport: http(network.config.rpcUrl),
      });
    }
    if (kind === "injected" && injected)
      return createWalletClient({
        account: account.address,
        chain: network.chain,
        transport: custom(injected),
      });
    return undefined;
  }, [account, kind, demo, injected, network]);

  const connect = useCallback(async () => {
    if (!injected) throw new Error("No browser wallet found (window.ethereum).");
    const a = (await injected.request({ method: "eth_requestAccounts" })) as string[];
    setInjectedAccounts(a.map((x) => getAddress(x)));
  }, [injected]);

  const switchChain = useCallback(async () => {
    if (!injected) return;
    const chainId = `0x${network.chain.id.toString(16)}`;
    try {
      await injected.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
    } catch {
      // Unknown to the wallet: add it (EIP-3085), which also switches.
      await injected.request({
        method: "wallet_addEthereumChain",
        params: [
          {
            chainId,
            chainName: network.chain.name,
            nativeCurrency: network.chain.nativeCurrency,
            rpcUrls: [network.config.rpcUrl],
          },
        ],
      });
    }
  }, [injected, network]);

  const labelOf = useCallback(
    (address: string) => demo.find((d) => d.account.address.toLowerCase() === address.toLowerCase())?.label,
    [demo],
  );

  const wallet: Wallet = {
    kind,
    kinds,
    setKind: (k) => {
      setKindState(k);
      setSelected(undefined);
    },
    accounts,
    account,
    select: setSelected,
    connect,
    walletClient:
      kind === "injected" && injectedChain !== undefined && injectedChain !== network.chain.id
        ? undefined
        : walletClient,
    wrongChainId:
      kind === "injected" && injectedChain !== undefined && injectedChain !== network.chain.id
        ? injectedChain
        : undefined,
    switchChain,
    labelOf,
  };
  return <WalletContext.Provider value={wallet}>{props.children}</WalletContext.Provider>;
}
