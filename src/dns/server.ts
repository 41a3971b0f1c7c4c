// The per-worker DNS resolver's socket side: one UDP socket, each query answered from the
// current DnsTable (swapped whole by the network agent when the view changes, so an answer
// is never built from half an update). Answers carry TTL 0: a client asks again and sees
// tasks come and go at once.
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { Logger } from 'pino';
import { emptyTable, resolve, type DnsRcode, type DnsTable } from './table.js';

export interface DnsServerOptions {
  host: string;
  /** Default 53. */
  port?: number;
  log: Logger;
}

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

  private onQuery(msg: Buffer, rinfo: dgram.RemoteInfo): void {
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
}
