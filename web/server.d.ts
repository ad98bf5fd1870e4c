// Types for web/server.js (plain JavaScript so that `node web/server.js` needs no build step).

export interface DemoServerOptions {
  /** Port to listen on; 0 picks a free one. Default 8080. */
  port?: number;
  /** Address to bind. Default "127.0.0.1". */
  host?: string;
  /** Directory with the four Fashion-MNIST files; `null` for none (the page asks for files); default: searched. */
  dataDir?: string | null;
  /** Send COOP/COEP so the page is cross-origin isolated (kernel threads need it). Default true. */
  isolate?: boolean;
}

export interface DemoServer {
  /** The page's address, e.g. "http://127.0.0.1:8080/". */
  url: string;
  port: number;
  /** The Fashion-MNIST directory served under /data/, if any. */
  dataDir: string | undefined;
  close(): Promise<void>;
}

/** Where the package's Node loader found Fashion-MNIST: its directory and each canonical file name's path. */
export interface FoundFashionMNIST {
  dir: string;
  files: Record<string, string>;
}

/**
 * Fashion-MNIST where the package's Node loader finds it: in `dir`, else $FASHION_MNIST_DIR, the user cache, the
 * Debian package's directory; never downloads. Undefined when no place has it; an explicit `dir` without it throws.
 */
export function findFashionMNIST(options?: { dir?: string; env?: Record<string, string | undefined> }): Promise<FoundFashionMNIST | undefined>;

/** Starts the demo server; resolves once it listens. */
export function startDemoServer(options?: DemoServerOptions): Promise<DemoServer>;
