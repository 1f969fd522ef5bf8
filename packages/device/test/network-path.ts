/**
 * The network between a device and its node, as a TCP relay a test can break the way a cellular
 * link breaks: `fade()` keeps carrying the device's bytes to the node but loses the node's
 * answers (a radio that can still transmit but no longer hears: the node stores what it gets,
 * its acknowledgements never arrive); `cut()` drops every connection and refuses new ones (no
 * coverage); `restore()` carries traffic again on the same port.
 */
import { once } from "node:events";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

export class NetworkPath {
  readonly #target: { host: string; port: number };
  readonly #pairs = new Set<{ device: Socket; node: Socket }>();
  #server: Server | undefined;
  #port = 0;
  #fading = false;
  /** Connections the device opened through the path, refused ones not counted. */
  connections = 0;

  private constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  /** A path to `target` (host:port of the node's broker or HTTP ingest) on a loopback port. */
  static async open(target: { host: string; port: number }): Promise<NetworkPath> {
    const path = new NetworkPath(target);
    await path.restore();
    return path;
  }

  get port(): number {
    return this.#port;
  }

  get up(): boolean {
    return this.#server !== undefined;
  }

  #accept(device: Socket): void {
    this.connections++;
    const node = tcpConnect(this.#target.port, this.#target.host);
    const pair = { device, node };
    this.#pairs.add(pair);
    device.on("data", (chunk) => node.write(chunk));
    node.on("data", (chunk) => {
      if (!this.#fading) device.write(chunk);
    });
    const close = () => {
      this.#pairs.delete(pair);
      device.destroy();
      node.destroy();
    };
    device.on("close", close);
    node.on("close", close);
    device.on("error", close);
    node.on("error", close);
  }

  /** From now on the node's bytes are lost on the way to the device; the device's still arrive. */
  fade(): void {
    this.#fading = true;
  }

  /** Drops every connection (the device sees its socket fail) and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const { device, node } of this.#pairs) {
      device.destroy();
      node.destroy();
    }
    this.#pairs.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Carries traffic again, both ways, on the same port as before. */
  async restore(): Promise<void> {
    this.#fading = false;
    if (this.#server) return;
    const server = createServer((socket) => this.#accept(socket));
    server.listen(this.#port, "127.0.0.1");
    await once(server, "listening");
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async close(): Promise<void> {
    await this.cut();
  }
}
