import { createServer } from 'node:net';

/** Whether `port` on 127.0.0.1 can be bound now. */
export async function isPortFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for members whose peer URLs must be known
 * before they start (the initial cluster names them all). Another process may take it in
 * between; the member then fails to start with a bind error, and the demo says to run it again.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string')
    throw new Error('no TCP address on 127.0.0.1');
  return address.port;
}
