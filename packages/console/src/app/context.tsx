import type { MessageSigner } from "@dimo-open/sdk";
import { createContext, type ReactNode, useContext, useMemo } from "react";
import { type Network, type Writer, writerFor } from "../chain/network.ts";
import type { NodeAccess } from "../node/access.ts";
import { useWallet } from "../wallet/WalletProvider.tsx";

export interface ConsoleServices {
  network: Network;
  node: NodeAccess;
}

const ConsoleContext = createContext<ConsoleServices | undefined>(undefined);

export function ConsoleProvider(props: { services: ConsoleServices; children: ReactNode }) {
  return <ConsoleContext.Provider value={props.services}>{props.children}</ConsoleContext.Provider>;
}

export function useConsole(): ConsoleServices {
  const c = useContext(ConsoleContext);
  if (!c) throw new Error("useConsole outside ConsoleProvider");
  return c;
}

/** A protocol client signing with the selected account, or undefined when no wallet is connected. */
export function useWriter(): Writer | undefined {
  const { network } = useConsole();
  const { walletClient } = useWallet();
  return useMemo(
    () => (walletClient ? writerFor(network, walletClient) : undefined),
    [network, walletClient],
  );
}

/** Signs sign-in challenges (EIP-191) with the selected account. */
export function useMessageSigner(): MessageSigner | undefined {
  const { walletClient } = useWallet();
  return useMemo(
    () =>
      walletClient
        ? {
            signMessage: ({ message }: { message: string }) =>
              walletClient.signMessage({ account: walletClient.account, message }),
          }
        : undefined,
    [walletClient],
  );
}

/** The sign-in domain the console uses: its own origin (a licence lists it as a redirect URI). */
export function consoleOrigin(): string {
  return globalThis.location?.origin ?? "http://localhost";
}
