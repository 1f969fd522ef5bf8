import type { Abi, Address, ContractEventName, DecodeEventLogReturnType, Hash, Hex } from "viem";

/** Where an event sits in the chain: the order the indexer applies events in is (blockNumber, logIndex). */
export interface EventPosition {
  blockNumber: bigint;
  blockHash: Hash;
  /** The block's timestamp, Unix seconds. */
  blockTime: bigint;
  logIndex: number;
  transactionHash: Hash;
}

/** A decoded contract event, as a handler receives it. */
export interface ChainEvent<
  abi extends Abi = Abi,
  eventName extends ContractEventName<abi> = ContractEventName<abi>,
> extends EventPosition {
  /** The event source's name (for logs). */
  source: string;
  /** The emitting contract. */
  address: Address;
  eventName: eventName;
  args: DecodeEventLogReturnType<abi, eventName, [Hex, ...Hex[]], Hex, true>["args"];
}

/**
 * Applies one event to the index. `target` is what the indexer's projection offers handlers
 * (for the identity index: an `IdentityWriter` bound to the event's position).
 */
export type EventHandler<abi extends Abi, eventName extends ContractEventName<abi>, target> = (
  event: ChainEvent<abi, eventName>,
  target: target,
) => void | Promise<void>;

export type EventHandlers<abi extends Abi, target> = {
  [N in ContractEventName<abi>]?: EventHandler<abi, N, target>;
};

/**
 * A contract whose events the indexer follows: its address, its ABI and a handler per event it
 * cares about. Adding a contract to the index is adding one of these; events without a handler
 * are skipped.
 */
export interface EventSource<target = unknown> {
  /** Stable short name, used in logs and in the index's fingerprint. */
  name: string;
  address: Address;
  abi: Abi;
  handlers: Record<string, EventHandler<Abi, string, target> | undefined>;
}

/** Declares an event source with handlers typed from its ABI. */
export function defineEventSource<const abi extends Abi, target>(source: {
  name: string;
  address: Address;
  abi: abi;
  handlers: EventHandlers<abi, target>;
}): EventSource<target> {
  return source as unknown as EventSource<target>;
}
