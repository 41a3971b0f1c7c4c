// A node's ID is made once and kept in its data dir, so a restarted node is the same node
// to the managers (and its containers, labelled with the ID, are adopted).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { newId } from './ids.js';
import { writeFileAtomic } from '../store/backend-file.js';

export async function loadOrCreateNodeId(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'node.json');
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as { nodeId?: unknown };
    if (typeof parsed.nodeId === 'string' && /^[0-9a-z]{25}$/.test(parsed.nodeId)) return parsed.nodeId;
    throw new Error(`${file} holds no valid nodeId`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await fs.mkdir(dataDir, { recursive: true });
  const nodeId = newId();
  await writeFileAtomic(file, JSON.stringify({ nodeId }));
  return nodeId;
}
