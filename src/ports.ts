import net from 'node:net';

type ListenResult = 'free' | 'in-use' | 'unusable';

function tryListen(host: string, port: number): Promise<ListenResult> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'EADDRINUSE' ? 'in-use' : 'unusable'),
    );
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve('free')));
  });
}

/** Whether devup could bind host:port itself right now (Postgres's port, before starting it). */
export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return (await tryListen(host, port)) === 'free';
}

/**
 * True when something already listens on the port on loopback (a service's port). Both IPv4 and
 * IPv6 are tried: a server on `localhost` may be on ::1 only. A machine without IPv6 answers
 * 'unusable', not 'in use'.
 */
export async function isPortInUse(port: number): Promise<boolean> {
  if ((await tryListen('127.0.0.1', port)) === 'in-use') return true;
  return (await tryListen('::1', port)) === 'in-use';
}

/** A loopback port the kernel says is free right now (for a throwaway server). */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
