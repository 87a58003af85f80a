/**
 * A small RFC 4180 reader for the tests: reads a report CSV back into its comment lines and
 * named tables, so a test can compare the numbers with the model they came from. A line whose
 * first character is an unquoted "#" is a comment (as the writer quotes any cell starting so).
 */
export interface ParsedCsv {
  comments: string[];
  tables: Map<string, { columns: string[]; rows: string[][] }>;
}

export type CsvLine = { comment: string } | { record: string[] };

export function parseLines(text: string): CsvLine[] {
  const out: CsvLine[] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let i = 0;
  const endRecord = () => {
    record.push(field);
    out.push({ record });
    record = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (!quoted && record.length === 0 && field === '' && c === '#') {
      const end = text.indexOf('\r\n', i);
      out.push({ comment: text.slice(i, end < 0 ? text.length : end) });
      i = end < 0 ? text.length : end + 2;
      continue;
    }
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      endRecord();
      i++;
    } else if (c === '\n') throw new Error(`bare LF at ${i}: lines must end in CRLF`);
    else field += c;
    i++;
  }
  if (field !== '' || record.length) endRecord();
  return out;
}

export function parseReportCsv(text: string): ParsedCsv {
  const comments: string[] = [];
  const tables = new Map<string, { columns: string[]; rows: string[][] }>();
  let current: { columns: string[]; rows: string[][] } | null = null;
  let expectHeader = false;
  for (const line of parseLines(text)) {
    if ('comment' in line) {
      const m = /^# table: (.+)$/.exec(line.comment);
      if (m) {
        if (tables.has(m[1]!)) throw new Error(`table ${m[1]} twice`);
        current = { columns: [], rows: [] };
        tables.set(m[1]!, current);
        expectHeader = true;
      } else comments.push(line.comment.replace(/^# ?/, ''));
      continue;
    }
    const rec = line.record;
    if (rec.length === 1 && rec[0] === '') {
      current = null;
      continue;
    }
    if (!current) throw new Error(`a row outside a table: ${rec.join(',')}`);
    if (expectHeader) {
      current.columns = rec;
      expectHeader = false;
    } else {
      if (rec.length !== current.columns.length) throw new Error(`row has ${rec.length} cells, header ${current.columns.length}: ${rec.join(',')}`);
      current.rows.push(rec);
    }
  }
  return { comments, tables };
}

/** Rows of a table as objects keyed by column name. */
export function tableObjects(csv: ParsedCsv, name: string): Record<string, string>[] {
  const t = csv.tables.get(name);
  if (!t) throw new Error(`no table ${name}`);
  return t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i] ?? ''])));
}

/** A cell as a number, null when empty. */
export const num = (s: string | undefined): number | null => (s === undefined || s === '' ? null : Number(s));
