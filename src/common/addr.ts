// HOST:PORT parsing for flags, with errors that name the flag.

export class AddressError extends Error {
  constructor(
    readonly flag: string,
    readonly value: string,
    reason: string,
  ) {
    super(`invalid ${flag} "${value}": ${reason}`);
    this.name = 'AddressError';
  }
}

export interface HostPort {
  host: string;
  port: number;
}

/** Accepts HOST:PORT, [V6]:PORT, HOST (default port) or :PORT (all interfaces). */
export function parseHostPort(value: string, defaultPort: number, flag = 'address'): HostPort {
  const v = value.replace(/^tcp:\/\//, '').trim();
  if (v === '') throw new AddressError(flag, value, 'empty');
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(v);
  if (v6) {
    host = v6[1] ?? '';
    portText = v6[2];
  } else {
    const i = v.lastIndexOf(':');
    if (i >= 0 && v.indexOf(':') === i) {
      host = v.slice(0, i);
      portText = v.slice(i + 1);
    } else if (i < 0) {
      host = v;
    } else {
      throw new AddressError(flag, value, 'IPv6 addresses must be written as [ADDR]:PORT');
    }
  }
  if (host === '') host = '0.0.0.0';
  if (!/^[A-Za-z0-9.\-:]+$/.test(host)) throw new AddressError(flag, value, `"${host}" is not a host name or IP address`);
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d+$/.test(portText)) throw new AddressError(flag, value, `port "${portText}" is not a number`);
    port = Number(portText);
    if (port > 65535) throw new AddressError(flag, value, `port ${port} is out of range (0-65535)`);
  }
  return { host, port };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
