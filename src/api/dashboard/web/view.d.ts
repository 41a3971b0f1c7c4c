// Declarations of view.js for TypeScript importers (the tests). view.js itself is checked
// against the same types through its JSDoc (tsconfig.json in this folder).
import type { ApiPort, ApiService, ApiTask, LiveState, Model, NodeRow, RenderOptions, ServiceRow, Snapshot, Summary } from './types.js';

export type * from './types.js';

export declare const MIN_AVAILABLE_LABEL: string;

export declare class SafeHtml {
  readonly value: string;
  constructor(value: string);
  toString(): string;
}

export declare function escapeHtml(value: unknown): string;
export declare function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml;

export declare function formatAge(timestamp: string | undefined, now: number): string;
export declare function formatPort(p: ApiPort): string;
export declare function serviceMode(s: ApiService): string;
export declare function minAvailable(labels: Record<string, string> | undefined, desired: number): { text: string; count: number };
export declare function jsonEqual(a: unknown, b: unknown): boolean;
export declare function updateState(s: ApiService, tasks: ApiTask[]): string;

export declare function buildModel(snap: Snapshot, now: number): Model;

export declare function renderSummary(s: Summary): SafeHtml;
export declare function renderNodes(nodes: NodeRow[]): SafeHtml;
export declare function renderServices(services: ServiceRow[], opts?: RenderOptions): SafeHtml;
export declare function renderDashboard(model: Model, opts?: RenderOptions): SafeHtml;
export declare function liveStatus(live: LiveState, now: number): { state: 'connecting' | 'live' | 'down'; text: string };
