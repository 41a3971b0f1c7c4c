// @ts-check
/* global document, fetch, AbortSignal, setTimeout, HTMLDetailsElement */
// The dashboard's browser glue: polls the control API (same origin) every 2 s, builds the
// model with view.js and puts the escaped markup in the page. Read-only: GET requests only.
import { buildModel, liveStatus, renderDashboard } from './view.js';

/** @typedef {import('./types.js').LiveState} LiveState */
/** @typedef {import('./types.js').Snapshot} Snapshot */

/** Time between the end of one poll and the start of the next. */
const POLL_INTERVAL_MS = 2000;
/** A poll whose requests have not all answered by then counts as the API not answering. */
const POLL_TIMEOUT_MS = 5000;

/** @type {LiveState} */
const live = { lastOk: undefined, failingSince: undefined, error: undefined };

/**
 * @param {string} path
 * @returns {Promise<unknown>}
 */
async function getJson(path) {
  /** @type {Response} */
  const res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store', signal: AbortSignal.timeout(POLL_TIMEOUT_MS) });
  if (!res.ok) {
    let message = '';
    try {
      message = String(/** @type {{ message?: unknown }} */ (await res.json()).message ?? '');
    } catch {
      // not the {"message"} shape
    }
    throw new Error(`GET ${path}: HTTP ${res.status}${message ? ` ${message}` : ''}`);
  }
  return res.json();
}

/** @returns {Promise<Snapshot>} */
async function fetchSnapshot() {
  const [info, nodes, services, tasks, networks] = await Promise.all([
    getJson('/info'),
    getJson('/nodes'),
    getJson('/services?status=true'),
    getJson('/tasks'),
    getJson('/networks'),
  ]);
  return /** @type {Snapshot} */ ({ info, nodes, services, tasks, networks });
}

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dashboard page has no #${id}`);
  return el;
}

/** Service IDs whose task list the user opened, kept across re-renders. */
function openServices() {
  /** @type {Set<string>} */
  const open = new Set();
  for (const el of document.querySelectorAll('details[data-service]')) {
    if (el instanceof HTMLDetailsElement && el.open && el.dataset.service) open.add(el.dataset.service);
  }
  return open;
}

function showLive() {
  const status = liveStatus(live, Date.now());
  const el = byId('live');
  el.textContent = status.text;
  el.className = `live live-${status.state}`;
  byId('content').classList.toggle('stale', status.state === 'down');
  document.title = status.state === 'down' ? 'tsswarm dashboard (API not answering)' : 'tsswarm dashboard';
}

/** @type {string | undefined} */
let lastMarkup;

async function poll() {
  try {
    const snap = await fetchSnapshot();
    const markup = renderDashboard(buildModel(snap, Date.now()), { open: openServices() }).value;
    // Unchanged markup is not re-inserted, so a selection or focus survives a quiet poll.
    if (markup !== lastMarkup) {
      byId('content').innerHTML = markup; // escaped by view.js's html tag
      lastMarkup = markup;
    }
    live.lastOk = Date.now();
    live.failingSince = undefined;
    live.error = undefined;
  } catch (err) {
    live.failingSince ??= Date.now();
    live.error = err instanceof Error ? err.message : String(err);
  }
  showLive();
  setTimeout(() => void poll(), POLL_INTERVAL_MS);
}

void poll();
