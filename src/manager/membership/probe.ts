// A TCP reachability probe: does anything accept connections at HOST:PORT?
import net from 'node:net';

/** How long a probe waits for the connection (milliseconds). */
export const PROBE_TIMEOUT_MS = 2_000;

export function probeTcp(addr: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(addr.slice(i + 1));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
