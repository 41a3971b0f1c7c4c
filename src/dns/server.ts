// The per-worker DNS resolver's socket side: one UDP socket, each query answered from the
// current DnsTable (swapped whole by the network agent when the view changes, so an answer
// is never built from half an update). Answers carry TTL 0: a client asks again and sees
// tasks come and go at once.
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { Logger } from 'pino';
import { emptyTable, resolve, type DnsRcode, type DnsTable } from './table.js';

export interface DnsUpstream {
  host: string;
  port: number;
}

export interface DnsServerOptions {
  host: string;
  /** Default 53. */
  port?: number;
  log: Logger;
  /**
   * Where names that are not ours (several labels, not tasks.*) are forwarded, in order
   * (the host's resolv.conf). None: NXDOMAIN at once.
   */
  upstreams?: DnsUpstream[];
}

/** How long one upstream may take before the next is tried (ms). */
const UPSTREAM_TIMEOUT_MS = 2_000;
const SERVFAIL = 2;
/** How long a query from an address not (yet) known as a task waits for the table (ms). */
const UNKNOWN_CLIENT_WAIT_MS = 1_500;
const UNKNOWN_CLIENT_POLL_MS = 50;

const RCODE: Record<DnsRcode, number> = { NOERROR: 0, NXDOMAIN: 3, REFUSED: 5 };
const FORMERR = 1;

export class DnsServer {
  private socket?: dgram.Socket;
  private table: DnsTable = emptyTable();
  private readonly log: Logger;
  /** Queries answered since start, by rcode (for logs and tests). */
  readonly counts: Record<string, number> = {};

  constructor(private readonly opts: DnsServerOptions) {
    this.log = opts.log.child({ component: 'dns' });
  }

  /** Binds the socket; rejects (e.g. EADDRINUSE, EADDRNOTAVAIL) if it cannot. */
  async start(): Promise<{ host: string; port: number }> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolveBind, reject) => {
      socket.once('error', reject);
      socket.bind(this.opts.port ?? 53, this.opts.host, () => {
        socket.off('error', reject);
        resolveBind();
      });
    });
    socket.on('error', (err) => this.log.warn({ err }, 'dns: socket error'));
    socket.on('message', (msg, rinfo) => this.onQuery(msg, rinfo));
    this.socket = socket;
    const a = socket.address();
    this.log.info({ host: a.address, port: a.port }, 'dns: listening');
    return { host: a.address, port: a.port };
  }

  setTable(table: DnsTable): void {
    this.table = table;
  }

  stop(): void {
    this.socket?.close();
    this.socket = undefined;
  }

  private onQuery(msg: Buffer, rinfo: dgram.RemoteInfo, since = Date.now()): void {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // not DNS: no answer
    }
    const q = query.questions?.[0];
    const base = { type: 'response' as const, id: query.id ?? 0, questions: query.questions ?? [] };
    let out: dnsPacket.Packet;
    if (!q || query.type !== 'query') {
      out = { ...base, flags: FORMERR };
    } else {
      const a = resolve(this.table, rinfo.address, q.name, q.type);
      // A container that just started may ask before the agent has learnt its address:
      // wait for the table to catch up rather than refuse it.
      if (a.rcode === 'REFUSED' && Date.now() - since < UNKNOWN_CLIENT_WAIT_MS) {
        setTimeout(() => this.onQuery(msg, rinfo, since), UNKNOWN_CLIENT_POLL_MS);
        return;
      }
      if (a.rcode === 'NXDOMAIN' && this.forwardable(q.name)) {
        void this.forward(msg, query, rinfo);
        return;
      }
      this.counts[a.rcode] = (this.counts[a.rcode] ?? 0) + 1;
      out = {
        ...base,
        flags: dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | RCODE[a.rcode],
        answers: a.addrs.map((ip) => ({ type: 'A' as const, class: 'IN' as const, name: q.name, ttl: 0, data: ip })),
      };
      this.log.debug({ client: rinfo.address, name: q.name, type: q.type, rcode: a.rcode, addrs: a.addrs }, 'dns: answer');
    }
    const buf = dnsPacket.encode(out);
    this.socket?.send(buf, rinfo.port, rinfo.address);
  }

  /** Not a name we could ever answer: several labels and not tasks.SERVICE. */
  private forwardable(name: string): boolean {
    const n = name.toLowerCase().replace(/\.$/, '');
    return (this.opts.upstreams?.length ?? 0) > 0 && n.includes('.') && !n.startsWith('tasks.');
  }

  /** Relays the query to each upstream in turn; the first answer goes back verbatim. SERVFAIL if none answers. */
  private async forward(msg: Buffer, query: dnsPacket.DecodedPacket, rinfo: dgram.RemoteInfo): Promise<void> {
    for (const up of this.opts.upstreams ?? []) {
      const answer = await relay(msg, up).catch(() => undefined);
      if (answer) {
        this.counts['FORWARDED'] = (this.counts['FORWARDED'] ?? 0) + 1;
        this.socket?.send(answer, rinfo.port, rinfo.address);
        return;
      }
    }
    this.counts['SERVFAIL'] = (this.counts['SERVFAIL'] ?? 0) + 1;
    const out: dnsPacket.Packet = { type: 'response', id: query.id ?? 0, flags: SERVFAIL, questions: query.questions ?? [] };
    this.socket?.send(dnsPacket.encode(out), rinfo.port, rinfo.address);
  }
}

function relay(msg: Buffer, up: DnsUpstream): Promise<Buffer | undefined> {
  return new Promise((resolveRelay) => {
    const sock = dgram.createSocket('udp4');
    const done = (b: Buffer | undefined): void => {
      clearTimeout(timer);
      sock.close();
      resolveRelay(b);
    };
    const timer = setTimeout(() => done(undefined), UPSTREAM_TIMEOUT_MS);
    sock.on('error', () => done(undefined));
    sock.on('message', (b) => {
      if (b.length >= 2 && b.readUInt16BE(0) === msg.readUInt16BE(0)) done(b);
    });
    sock.send(msg, up.port, up.host, (err) => {
      if (err) done(undefined);
    });
  });
}

/** IPv4 name servers of a resolv.conf text, other than `self`. */
export function upstreamsFromResolvConf(text: string, self: string): DnsUpstream[] {
  const out: DnsUpstream[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(line);
    if (m?.[1] && m[1] !== self) out.push({ host: m[1], port: 53 });
  }
  return out;
}
