import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

/** A Koa app listening on an ephemeral 127.0.0.1 port for one test file. */
export interface ServedApp {
  url: string;
  close(): Promise<void>;
}

/** Serves `app.callback()` over real HTTP on port 0; close it in `afterAll`. */
export async function serve(app: Koa): Promise<ServedApp> {
  const handle = app.callback();
  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
