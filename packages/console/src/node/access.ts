/**
 * The console's access to the node: a public client for what needs no sign-in, and signed-in
 * clients (@dimo-open/sdk) for an account (owner endpoints) or a developer licence, kept until
 * their tokens expire so the wallet is asked to sign once per session, not per page.
 */
import { DimoClient, type MessageSigner } from "@dimo-open/sdk";
import type { Address } from "viem";

/** What `GET /v1/node` says about the node. */
export interface NodeInfo {
  chainId: number;
  vehicleContract: Address;
  addresses: Record<string, Address>;
  issuer: string;
  jwks: string;
}

interface Session {
  client: DimoClient;
  expiresAt: number;
}

export class NodeAccess {
  readonly public: DimoClient;
  private readonly sessions = new Map<string, Promise<Session>>();

  constructor(
    readonly nodeUrl: string,
    private readonly fetchFn: typeof fetch = globalThis.fetch.bind(globalThis),
  ) {
    this.public = new DimoClient({ baseUrl: nodeUrl, fetch: fetchFn });
  }

  /** The node's discovery document. */
  async info(): Promise<NodeInfo> {
    const response = await this.fetchFn(`${this.nodeUrl}/v1/node`);
    if (!response.ok) throw new Error(`${this.nodeUrl}/v1/node answered HTTP ${response.status}.`);
    return (await response.json()) as NodeInfo;
  }

  /** Signed in as a wallet (token_use "user"): the owner's access log. */
  asAccount(p: { address: Address; signer: MessageSigner; domain: string }): Promise<DimoClient> {
    return this.session(`account:${p.address}`, { clientId: p.address, domain: p.domain, signer: p.signer });
  }

  /** Signed in as a developer licence with one of its enabled signers. */
  asLicense(p: { clientId: Address; signerAddress: Address; signer: MessageSigner; domain: string }) {
    return this.session(`license:${p.clientId}:${p.signerAddress}:${p.domain}`, p);
  }

  /** Forgets a session (after a 401, or when the user signs out). */
  forget(prefix?: string): void {
    for (const key of [...this.sessions.keys()])
      if (!prefix || key.includes(prefix)) this.sessions.delete(key);
  }

  private session(
    key: string,
    p: { clientId: Address; domain: string; signer: MessageSigner },
  ): Promise<DimoClient> {
    const existing = this.sessions.get(key);
    const fresh = existing?.then((s) => (s.expiresAt - 60_000 > Date.now() ? s : undefined));
    const next = (async (): Promise<Session> => {
      const s = fresh ? await fresh.catch(() => undefined) : undefined;
      if (s) return s;
      const client = new DimoClient({ baseUrl: this.nodeUrl, fetch: this.fetchFn });
      const session = await client.signIn(p);
      return { client, expiresAt: session.expiresAt.getTime() };
    })();
    this.sessions.set(key, next);
    next.catch(() => this.sessions.delete(key));
    return next.then((s) => s.client);
  }
}
