import net from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of a real server (PostgreSQL), for failure tests:
 * `freeze()` stops forwarding bytes (a hung database: connections stay open, nothing
 * answers), `cut()` drops every connection and refuses new ones (a database that went away),
 * `restore()` goes back to normal.
 */
export class TcpProxy {
  private server?: net.Server;
  private sockets = new Set<net.Socket>();
  private mode: "ok" | "frozen" | "down" = "ok";
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<this> {
    this.server = net.createServer((client) => {
      if (this.mode === "down") return void client.destroy();
      const upstream = net.connect(this.targetPort, this.targetHost);
      this.sockets.add(client);
      this.sockets.add(upstream);
      const pipe = (from: net.Socket, to: net.Socket) =>
        from.on("data", (chunk) => {
          if (this.mode === "ok") to.write(chunk);
        });
      pipe(client, upstream);
      pipe(upstream, client);
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on("close", end).on("error", end);
      upstream.on("close", end).on("error", end);
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.port = (server.address() as net.AddressInfo).port;
    return this;
  }

  /** The same URL, through the proxy. */
  url(databaseUrl: string): string {
    const u = new URL(databaseUrl);
    u.hostname = "127.0.0.1";
    u.port = String(this.port);
    return u.toString();
  }

  freeze(): void {
    this.mode = "frozen";
  }

  cut(): void {
    this.mode = "down";
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.mode = "ok";
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
