import { isPortFree } from '../../src/ports.js';

/** A free loopback port at or after a random point in [from, from + spread): parallel runs rarely collide. */
export async function freePort(from: number, spread = 500): Promise<number> {
  for (let port = from + Math.floor(Math.random() * spread); port < 65_536; port++) {
    if (await isPortFree(port)) return port;
  }
  throw new Error(`no free port after ${from}`);
}
