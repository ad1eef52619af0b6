import http from 'node:http';
import net from 'node:net';

/**
 * Whether a server answers on the port. Docker's port proxy accepts every connection and closes it
 * when nothing listens inside the container: a connection still open after a moment (or a greeting)
 * is a server.
 */
export function tcpAnswers(port: number, holdMs = 100): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let timer: NodeJS.Timeout | undefined;
    const done = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => {
      timer = setTimeout(() => done(true), holdMs);
    });
    socket.once('data', () => done(true));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/**
 * One GET of `http://127.0.0.1:PORT/PATH`: what it answered, or why nothing did. node:http rather
 * than fetch: fetch loads undici on first use (tens of ms), and a warm start asks this once.
 */
export function httpGet(
  port: number,
  path: string,
  timeoutMs = 2_000,
): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0 });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    request.on('error', (error) => resolve({ error: error.message }));
  });
}
