/** A real MQTT broker (aedes) on a loopback port, for the uplink and agent tests. */
import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { Aedes, type AuthenticateError, type Client } from "aedes";

export interface TestBroker {
  port: number;
  url: string;
  /** Publishes the broker received from clients, in order. */
  received: { topic: string; payload: Buffer; clientId: string }[];
  /** While set, PUBACKs are withheld (the broker has not taken the message yet). */
  hold: boolean;
  /** Publishes arrived and held (PUBACK withheld) now. */
  readonly heldCount: number;
  release(): void;
  /** Closes every client connection, as a broker restart or a network blip would. */
  dropClients(): void;
  close(): Promise<void>;
}

export interface TestBrokerOptions {
  /** Decides each CONNECT (true: accepted); without it, every login is accepted. */
  authenticate?: (username: string | undefined, password: Buffer | undefined) => boolean;
}

export async function startTestBroker(port = 0, options: TestBrokerOptions = {}): Promise<TestBroker> {
  const held: (() => void)[] = [];
  const broker: TestBroker = {
    port: 0,
    url: "",
    received: [],
    hold: false,
    get heldCount() {
      return held.length;
    },
    release() {
      broker.hold = false;
      for (const h of held.splice(0)) h();
    },
    dropClients() {},
    close: async () => {},
  };
  const aedes = await Aedes.createBroker({
    authenticate(_client, username, password, done) {
      if (!options.authenticate || options.authenticate(username, password)) return done(null, true);
      // MQTT 3.1.1 CONNACK 4: bad user name or password.
      done(Object.assign(new Error("login refused"), { returnCode: 4 }) as AuthenticateError, false);
    },
    authorizePublish(client, packet, callback) {
      const accept = () => {
        broker.received.push({
          topic: packet.topic,
          payload: Buffer.from(packet.payload),
          clientId: client?.id ?? "",
        });
        callback(null);
      };
      if (broker.hold) held.push(accept);
      else accept();
    },
  });
  const server: Server = createServer(aedes.handle);
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  broker.port = typeof address === "object" && address ? address.port : port;
  broker.url = `mqtt://127.0.0.1:${broker.port}`;
  const connected = new Set<Client>();
  aedes.on("client", (c) => connected.add(c));
  aedes.on("clientDisconnect", (c) => connected.delete(c));
  broker.dropClients = () => {
    for (const client of [...connected]) client.close();
  };
  broker.close = async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return broker;
}
