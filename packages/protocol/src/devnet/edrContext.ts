import { EdrContext, L1_CHAIN_TYPE, l1ProviderFactory } from "@nomicfoundation/edr";

/**
 * EDR allows one `EdrContext` per process ("should only be called once"), so every devnet in the
 * process shares this one, created on first use with the L1 (Ethereum mainnet rules) chain type
 * registered.
 */
let context: Promise<EdrContext> | undefined;

export function edrContext(): Promise<EdrContext> {
  context ??= (async () => {
    const created = new EdrContext();
    await created.registerProviderFactory(L1_CHAIN_TYPE, l1ProviderFactory());
    return created;
  })();
  return context;
}
