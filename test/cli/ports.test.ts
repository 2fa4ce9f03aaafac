/**
 * Servers started on a "free" port: the port can be taken by another process before the child binds it, and the
 * start must then notice that the listener is not its child (rather than talk to the other process's server).
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { freePort, onFreePort, portListener, PortTakenError } from '../../cli/ports';
import { startTemporalDevServer } from '../../cli/temporal-dev-server';
import { findTemporalCli } from '../../cli/temporal-tools';

async function listen(): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;
const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('portListener', () => {
  it("tells this process's listener from another process's and from a free port", async () => {
    const own = await listen();
    // Another process listening: a node child that prints its port.
    const child = spawn(process.execPath, [
      '-e',
      "const s=require('net').createServer().listen(0,'127.0.0.1',()=>console.log(s.address().port))",
    ]);
    try {
      const otherPort = await new Promise<number>((resolve) =>
        child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
      );
      expect(portListener(process.pid, portOf(own))).toBe('this process');
      expect(portListener(process.pid, otherPort)).toBe('another process');
      expect(portListener(child.pid!, otherPort)).toBe('this process');
      expect(portListener(process.pid, await freePort())).toBe('nobody');
    } finally {
      child.kill();
      await close(own);
    }
  });
});

describe('onFreePort', () => {
  it('starts again on another port when the first one was taken', async () => {
    const tried: number[] = [];
    const port = await onFreePort((candidate) => {
      tried.push(candidate);
      if (tried.length < 3) throw new PortTakenError(candidate, 'taken in this test');
      return Promise.resolve(candidate);
    });
    expect(tried).toHaveLength(3);
    expect(port).toBe(tried[2]);
  });

  it('gives up after the attempts it was given, and on any other error at once', async () => {
    let calls = 0;
    const taken = (candidate: number) => {
      calls++;
      return Promise.reject(new PortTakenError(candidate, 'always'));
    };
    await expect(onFreePort(taken, 2)).rejects.toBeInstanceOf(PortTakenError);
    expect(calls).toBe(2);
    calls = 0;
    await expect(
      onFreePort(() => {
        calls++;
        return Promise.reject(new Error('no such binary'));
      }),
    ).rejects.toThrow('no such binary');
    expect(calls).toBe(1);
  });
});

describe('the Temporal dev server on a port another process holds', () => {
  const cli = findTemporalCli();
  (cli === undefined ? it.skip : it)(
    'fails with PortTakenError instead of using the other server',
    async () => {
      const other = await listen();
      try {
        await expect(startTemporalDevServer({ cli: cli!.path, port: portOf(other) })).rejects.toBeInstanceOf(
          PortTakenError,
        );
      } finally {
        await close(other);
      }
    },
    60_000,
  );
});
