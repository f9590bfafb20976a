// The part every fake API server shares: an HTTP server on a loopback port that a test can start,
// take away (connections refused, open ones cut) and bring back on the same port, and stop.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export abstract class LoopbackService {
  private server: http.Server;
  private port = 0;
  private readonly sockets = new Set<Socket>();

  constructor() {
    this.server = this.makeServer();
  }

  /** answers one request whose body has been read whole */
  protected abstract answer(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<void> | void;

  /** answers a request whose handling threw, in the API's own error shape */
  protected abstract failed(res: http.ServerResponse, err: unknown): void;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** The service goes away: connections are refused until comeBack(). */
  async goAway(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server = this.makeServer();
  }

  async comeBack(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }

  private makeServer(): http.Server {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        Promise.resolve()
          .then(() => this.answer(req, Buffer.concat(chunks), res))
          .catch((err: unknown) => this.failed(res, err));
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }
}
