// Pure: which names the resolver can answer as network aliases. An alias is a DNS name of
// one or more labels; each label is 1–63 letters, digits, '-' or '_' (Docker service names
// use '_'), starting and ending with a letter or digit. `tasks.…` is reserved: the resolver
// reads it as "the tasks of …", so an alias spelt that way could never be asked for.

/** One DNS label as the resolver accepts it. */
const LABEL_RE = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
/** RFC 1035: a name is at most 253 characters in text form (without the root dot). */
const NAME_MAX = 253;
/** The prefix of a `tasks.NAME` question. */
export const TASKS_PREFIX = 'tasks.';

/** Why `alias` cannot be a network alias, or undefined if it can. */
export function aliasProblem(alias: string): string | undefined {
  if (alias === '') return 'is empty';
  if (alias.length > NAME_MAX) return `is ${alias.length} characters long; the most is ${NAME_MAX}`;
  const labels = alias.split('.');
  for (const l of labels) {
    if (l === '') return 'has an empty label (a leading, trailing or doubled ".")';
    if (l.length > 63) return `has a label of ${l.length} characters ("${l.slice(0, 10)}…"); the most is 63`;
    if (!LABEL_RE.test(l)) {
      return `has an invalid label "${l}": use letters, digits, '-' and '_', starting and ending with a letter or digit`;
    }
  }
  if (labels.length > 1 && alias.toLowerCase().startsWith(TASKS_PREFIX)) {
    return `starts with "${TASKS_PREFIX}", which is reserved for task lookups (tasks.SERVICE)`;
  }
  return undefined;
}
