// Placement preferences: `spread=node.labels.zone` (CLI form) or the Engine API's
// `{ Spread: { SpreadDescriptor: 'node.labels.zone' } }`. Only `spread` over node or engine
// labels exists, as in Docker; anything else is an error naming the preference.
import type { Node, Placement } from '../store/objects.js';
import { ENGINE_LABEL_PREFIX, NODE_LABEL_PREFIX } from './constraint.js';
import { PlacementPrefParseError } from './errors.js';

export type PlacementPrefInput = string | { Spread: { SpreadDescriptor: string } };

export interface SpreadPreference {
  readonly strategy: 'spread';
  /** The descriptor as written, e.g. `node.labels.zone`. */
  readonly descriptor: string;
  readonly source: 'node.labels' | 'engine.labels';
  /** Label name, case-sensitive. */
  readonly label: string;
}

export function parsePlacementPref(pref: PlacementPrefInput): SpreadPreference {
  let shown: string;
  let descriptor: string;
  if (typeof pref === 'string') {
    shown = pref;
    const eq = pref.indexOf('=');
    if (eq < 0) throw new PlacementPrefParseError(pref, "expected 'spread=<descriptor>'");
    const strategy = pref.slice(0, eq).trim();
    if (strategy.toLowerCase() !== 'spread') {
      throw new PlacementPrefParseError(pref, `unsupported strategy '${strategy}' (only 'spread')`);
    }
    descriptor = pref.slice(eq + 1).trim();
  } else {
    descriptor = pref.Spread?.SpreadDescriptor ?? '';
    shown = `spread=${descriptor}`;
  }
  const lower = descriptor.toLowerCase();
  for (const [prefix, source] of [
    [NODE_LABEL_PREFIX, 'node.labels'],
    [ENGINE_LABEL_PREFIX, 'engine.labels'],
  ] as const) {
    if (lower.startsWith(prefix)) {
      const label = descriptor.slice(prefix.length);
      if (label === '') throw new PlacementPrefParseError(shown, 'missing label name');
      return { strategy: 'spread', descriptor, source, label };
    }
  }
  throw new PlacementPrefParseError(
    shown,
    `unsupported descriptor '${descriptor}' (expected node.labels.<name> or engine.labels.<name>)`,
  );
}

export function parsePlacementPrefs(placement: Placement | undefined): SpreadPreference[] {
  return (placement?.Preferences ?? []).map(parsePlacementPref);
}

/** The node's value for a spread preference; a missing label is '' (its own group). */
export function spreadValue(pref: SpreadPreference, node: Node): string {
  // Optional-chained: a node from an agent or the API may come without label maps.
  const labels = pref.source === 'node.labels' ? node.Spec.Labels : node.Description.Engine?.Labels;
  return labels?.[pref.label] ?? '';
}
