// `command: echo "a b"` → ["echo", "a b"]: compose splits string commands as a POSIX shell
// would (quotes and backslashes), without expanding anything.

/** Thrown for an unterminated quote or a trailing backslash. */
export class ShellWordsError extends Error {}

export function splitShellWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new ShellWordsError('unterminated single quote');
      cur += s.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '"\\$`'.includes(s[j + 1] as string)) j++;
        cur += s[j];
      }
      if (j >= s.length) throw new ShellWordsError('unterminated double quote');
      inWord = true;
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= s.length) throw new ShellWordsError('trailing backslash');
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
