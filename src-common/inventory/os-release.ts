/**
 * Parser for os-release(5) files (/etc/os-release, /usr/lib/os-release).
 *
 * The format is a restricted shell assignment list, but real files bend it: comment lines,
 * blank lines, unquoted values, empty values, CRLF endings and a missing final newline all
 * occur in the wild, so the parser is lenient and never throws. Lines that are not
 * assignments are ignored rather than rejected, because one odd vendor line must not cost us
 * the ID and VERSION_ID we need to pick a table row.
 */

export type OsReleaseFields = Record<string, string>;

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** Characters a backslash escapes inside double quotes, as in POSIX sh. */
const DOUBLE_QUOTE_ESCAPABLE = new Set(['"', '\\', '`', '$']);

export function parseOsRelease(text: string): OsReleaseFields {
  const fields: OsReleaseFields = {};
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = ASSIGNMENT.exec(line);
    if (!match) continue;
    const [, key, rawValue] = match as unknown as [string, string, string];
    fields[key] = unquoteShellValue(rawValue.trim());
  }
  return fields;
}

/**
 * Undoes sh quoting for one value: "double" (with \" \\ \` \$ escapes), 'single' (literal),
 * and bare words (backslash escapes the next character). Adjacent pieces concatenate, as in sh.
 * An unterminated quote keeps what was read so far instead of discarding the value.
 */
export function unquoteShellValue(raw: string): string {
  let out = '';
  let i = 0;
  // Runs without quotes or backslashes are copied as slices: a character at a time, a hostile 1 MB
  // value was a million string concatenations.
  const runEnd = (from: number, stops: string): number => {
    let j = from + 1;
    while (j < raw.length && !stops.includes(raw[j]!)) j++;
    return j;
  };
  while (i < raw.length) {
    const ch = raw[i]!;
    if (ch === '"') {
      i++;
      while (i < raw.length && raw[i] !== '"') {
        const next = raw[i + 1];
        if (raw[i] === '\\' && next !== undefined && DOUBLE_QUOTE_ESCAPABLE.has(next)) {
          out += next;
          i += 2;
        } else {
          const end = runEnd(i, '"\\');
          out += raw.slice(i, end);
          i = end;
        }
      }
      i++;
    } else if (ch === "'") {
      const end = raw.indexOf("'", i + 1);
      out += end === -1 ? raw.slice(i + 1) : raw.slice(i + 1, end);
      i = end === -1 ? raw.length : end + 1;
    } else if (ch === '\\' && i + 1 < raw.length) {
      out += raw[i + 1];
      i += 2;
    } else {
      const end = runEnd(i, '"\'\\');
      out += raw.slice(i, end);
      i = end;
    }
  }
  return out;
}
