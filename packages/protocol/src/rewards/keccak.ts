import { createKeccak } from "hash-wasm";

// One WebAssembly Keccak-256 instance (Ethereum's keccak256, not SHA3-256), created once: a
// 100,000-vehicle tree needs ~300,000 hashes, which the pure-JS implementation makes slow.
const hasher = await createKeccak(256);

/** keccak256 of `data`, as bytes. Synchronous: the WASM instance is ready at import. */
export function keccakBytes(data: Uint8Array): Uint8Array {
  hasher.init();
  hasher.update(data);
  return hasher.digest("binary");
}
