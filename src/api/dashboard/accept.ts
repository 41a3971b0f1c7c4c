// Content negotiation for `GET /`: a browser's navigation asks for HTML first and gets the
// dashboard; API clients (the docker CLI sends no Accept, curl sends */*) keep the JSON 404.

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(accept: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const [type, subtype] = range.split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const p of params) {
      const m = /^q=([01](?:\.\d{0,3})?)$/.exec(p);
      if (m) q = Number(m[1]);
    }
    out.push({ type, subtype, q: Math.min(1, q) });
  }
  return out;
}

/** The q a client gives `type/subtype`: from its most specific matching range, 0 if none. */
function quality(ranges: MediaRange[], type: string, subtype: string): number {
  let best = -1;
  let q = 0;
  for (const r of ranges) {
    const specificity =
      r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' && r.subtype === '*' ? 0 : -1;
    if (specificity > best) {
      best = specificity;
      q = r.q;
    }
  }
  return q;
}

/** True when the Accept header ranks HTML strictly above JSON (and names HTML itself). */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = parseAccept(accept);
  const explicitHtml = ranges.some((r) => (r.type === 'text' && r.subtype === 'html') || (r.type === 'application' && r.subtype === 'xhtml+xml'));
  if (!explicitHtml) return false;
  const html = Math.max(quality(ranges, 'text', 'html'), quality(ranges, 'application', 'xhtml+xml'));
  return html > 0 && html > quality(ranges, 'application', 'json');
}
