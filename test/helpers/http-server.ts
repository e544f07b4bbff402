// A local HTTP server for loading tests: every request is logged as "METHOD /path" (decoded) before
// `handle` answers it, and `close` also drops keep-alive connections so a test run never hangs.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoggedServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

export async function loggedServer(
  handle: (request: IncomingMessage, response: ServerResponse, path: string) => void,
): Promise<LoggedServer> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    requests.push(`${request.method} ${path}`);
    handle(request, response, path);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
