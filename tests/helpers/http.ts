import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Server {
  /** The base URL, ending in `/data/`. */
  url: string;
  /** The paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Answers one request for a file under `/data/` (`name` is the file name), or leaves it to the 404 default. */
export type Handler = (name: string, req: IncomingMessage, res: ServerResponse) => boolean | void;

/**
 * An HTTP server on 127.0.0.1 serving `files` under `/data/`; anything else is a 404. `handler` may answer a
 * request first (return true, or anything but false, once it has taken the response).
 */
export async function serve(files: Record<string, Uint8Array>, handler?: Handler): Promise<Server> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const name = req.url?.startsWith("/data/") ? req.url.slice("/data/".length) : undefined;
    if (name !== undefined && handler && handler(name, req, res) !== false) return;
    const body = name === undefined ? undefined : files[name];
    if (body === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "application/gzip", "content-length": body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/data/`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
