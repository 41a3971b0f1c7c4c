// A tiny driver for interaction scripts (in the spirit of etcd-io/raft's
// datadriven tests). A script is a list of blocks separated by blank lines:
//
//   command arg...
//   ----
//   expected output lines
//
// Commands drive a deterministic in-memory Cluster; RAFT_SCRIPT_REWRITE=1
// rewrites the expected output in place.

import { Cluster } from './cluster.js';
import type { Message } from '../../src/raft/types.js';

export interface Block {
  readonly command: string;
  readonly expected: string;
  readonly line: number;
}

export function parseScript(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const l = lines[i] ?? '';
    if (l.trim() === '' || l.startsWith('#')) {
      i++;
      continue;
    }
    const start = i;
    const command = l.trim();
    i++;
    if ((lines[i] ?? '').trim() !== '----') throw new Error(`line ${i + 1}: expected ---- after "${command}"`);
    i++;
    const out: string[] = [];
    while (i < lines.length && (lines[i] ?? '').trim() !== '') out.push(lines[i++] ?? '');
    blocks.push({ command, expected: out.join('\n'), line: start + 1 });
  }
  return blocks;
}

export function formatScript(blocks: readonly { command: string; expected: string }[]): string {
  return blocks.map((b) => `${b.command}\n----\n${b.expected}`).join('\n\n') + '\n';
}

function describeMsg(m: Message): string {
  const parts = [`${m.from}->${m.to} ${m.type} term=${m.term}`];
  if (m.logTerm !== undefined) parts.push(`logTerm=${m.logTerm}`);
  if (m.index !== undefined) parts.push(`index=${m.index}`);
  if (m.commit !== undefined) parts.push(`commit=${m.commit}`);
  if (m.entries?.length) parts.push(`entries=[${m.entries.map((e) => `${e.term}/${e.index}`).join(' ')}]`);
  if (m.reject) parts.push(`reject hint=${m.rejectHint ?? 0}`);
  if (m.snapshot) parts.push(`snapshot=${m.snapshot.meta.term}/${m.snapshot.meta.index}`);
  if (m.context !== undefined) parts.push(`ctx=${m.context}`);
  return parts.join(' ');
}

export class ScriptRunner {
  private cluster: Cluster | undefined;

  private c(): Cluster {
    if (!this.cluster) throw new Error('no cluster: use add-nodes first');
    return this.cluster;
  }

  run(command: string): string {
    const [cmd, ...args] = command.split(/\s+/);
    try {
      return this.exec(cmd ?? '', args);
    } catch (e) {
      return `error: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private exec(cmd: string, args: string[]): string {
    const a = (i: number): string => {
      const v = args[i];
      if (v === undefined) throw new Error(`${cmd}: missing argument ${i + 1}`);
      return v;
    };
    switch (cmd) {
      case 'add-nodes': {
        const ids = Array.from({ length: Number(a(0)) }, (_, i) => String(i + 1));
        const opts = Object.fromEntries(args.slice(1).map((kv) => kv.split('=')).map(([k, v]) => [k, v === 'true' ? true : v === 'false' ? false : Number(v)]));
        this.cluster = new Cluster(ids, opts);
        return 'ok';
      }
      case 'add-node':
        this.c().add(a(0), []); // a new member: learns the configuration from the log
        return 'ok';
      case 'conf-change': {
        const type = a(1);
        if (type !== 'add' && type !== 'remove') throw new Error(`conf-change: ${type} is not add or remove`);
        const { index } = this.c().raft(a(0)).proposeConfChange({ type, nodeId: a(2) });
        return `proposed at ${index}`;
      }
      case 'voters':
        return [...this.c().nodes.values()].map(({ raft: r }) => `${r.id}: ${r.confState().voters.join(',') || '(none)'}`).join('\n');
      case 'campaign':
        this.c().raft(a(0)).campaign('preElection');
        return 'ok';
      case 'stabilize': {
        const c = this.c();
        const out: string[] = [];
        for (let round = 0; round < 100; round++) {
          c.persist();
          if (c.inbox.length === 0) break;
          for (const m of c.inbox) out.push(`${c.isCut(m.from, m.to) ? 'DROP ' : ''}${describeMsg(m)}`);
          c.deliverRound();
        }
        return args[0] === 'quiet' ? 'ok' : out.join('\n') || 'ok';
      }
      case 'tick': {
        const ids = a(0) === 'all' ? [...this.c().nodes.keys()] : a(0).split(',');
        const times = Number(args[1] ?? 1);
        if (args[2] === 'stabilize') {
          this.c().tick(ids, times); // let the network settle after every tick
          return 'ok';
        }
        // Ticks without delivering: follow with `stabilize` to see the traffic.
        for (let i = 0; i < times; i++) for (const id of ids) this.c().raft(id).tick();
        this.c().persist();
        return 'ok';
      }
      case 'propose':
        this.c().raft(a(0)).propose(new TextEncoder().encode(a(1)));
        return 'ok';
      case 'isolate':
        this.c().isolate(a(0));
        return 'ok';
      case 'heal':
        this.c().heal();
        return 'ok';
      case 'transfer':
        this.c().raft(a(0)).transferLeadership(a(1));
        return 'ok';
      case 'read-index':
        this.c().raft(a(0)).readIndex(a(1));
        return 'ok';
      case 'read-states':
        return this.c().node(a(0)).readStates.map((r) => `${r.context}@${r.index}`).join('\n') || '(none)';
      case 'compact': {
        const n = this.c().node(a(0));
        const idx = n.raft.log.applied;
        n.storage.createSnapshot(idx, n.raft.confState(), new TextEncoder().encode(`snap@${idx}`));
        n.storage.compact(idx);
        return `compacted to ${idx}`;
      }
      case 'applied':
        return this.c().appliedText(a(0)).join(' ') || '(none)';
      case 'status':
        return [...this.c().nodes.values()]
          .map(({ raft: r }) => `${r.id}: ${r.role} term=${r.term} lead=${r.lead || '-'} commit=${r.log.committed} applied=${r.log.applied} last=${r.log.lastIndex()}`)
          .join('\n');
      default:
        throw new Error(`unknown command ${cmd}`);
    }
  }
}
