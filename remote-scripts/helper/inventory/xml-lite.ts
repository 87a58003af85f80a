/**
 * A minimal XML reader for `nvidia-smi -q -x`: elements, attributes, text, CDATA and the five
 * predefined entities plus numeric references. No namespaces, no DTD processing (the DOCTYPE is
 * skipped), no validation. It is lenient by design: a mismatched close tag closes up to the
 * matching open element instead of failing, so one odd driver build does not lose every GPU.
 *
 * The output of a compromised host goes through here, so the reader is a single pass, linear in
 * the input: every search moves forward, a close tag finds its open element through a count of
 * open elements per name (no walk up the stack for a name that is not open), attributes are
 * scanned without a backtracking regex, and nesting stops at MAX_DEPTH. (The regex-based reader
 * before it took 2.7 s on a 40 KB tag and 12 s on 20,000 mismatched nested tags.)
 *
 * Hand-written rather than fast-xml-parser, decided by measuring both: fast-xml-parser 5 is
 * 63 KiB minified (the whole helper bundle was 75 KiB) where this reader is 3 KiB; it spends
 * 50 ms on a 40 KB tag of bare attribute names (this reader: under 1 ms); it pops one element
 * per close tag, so the leniency above would need a second pass over its output; and it throws at
 * its nesting limit instead of keeping what it has read. The helper's lint rules also keep npm
 * packages out of the bundle.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text directly inside this element (not inside children), entity-decoded. */
  text: string;
}

/** A Map, not an object literal: "&constructor;" must not decode to Object.prototype.constructor. */
const ENTITIES = new Map([['amp', '&'], ['lt', '<'], ['gt', '>'], ['quot', '"'], ['apos', "'"]]);
const ENTITY = /&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g;

/** Unknown entities and references to code points past U+10FFFF stay as written. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(ENTITY, (whole, ref: string) => {
    if (ref[0] !== '#') return ENTITIES.get(ref) ?? whole;
    const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/**
 * nvidia-smi nests six levels deep. Deeper elements are skipped with their content: a tree
 * thousands of levels deep is slow to build and a liability for anything that walks it.
 */
export const MAX_DEPTH = 64;

export function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const openByName = new Map<string, number>();
  const pop = (): void => {
    const { name } = stack.pop()!;
    openByName.set(name, openByName.get(name)! - 1);
  };
  /** Open elements below MAX_DEPTH that were skipped; their close tags are counted off. */
  let skipped = 0;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const top = stack[stack.length - 1]!;
    if (lt === -1) {
      if (skipped === 0) top.text += decodeEntities(text.slice(i));
      break;
    }
    if (lt > i && skipped === 0) top.text += decodeEntities(text.slice(i, lt));
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      i = end === -1 ? text.length : end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (skipped === 0) top.text += text.slice(lt + 9, end === -1 ? text.length : end);
      i = end === -1 ? text.length : end + 3;
    } else if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt + 2);
      i = end === -1 ? text.length : end + 2;
    } else if (text.startsWith('<!', lt)) {
      i = skipDeclaration(text, lt);
    } else {
      const gt = text.indexOf('>', lt + 1);
      if (gt === -1) break;
      i = gt + 1;
      const selfClosing = text.charCodeAt(gt - 1) === SLASH;
      if (text.charCodeAt(lt + 1) === SLASH) {
        if (skipped > 0) skipped--;
        else {
          // Close up to and including the innermost open element of that name; ignore it if none is open.
          const name = text.slice(lt + 2, gt).trim();
          if ((openByName.get(name) ?? 0) > 0) {
            while (stack[stack.length - 1]!.name !== name) pop();
            pop();
          }
        }
      } else if (skipped > 0 || stack.length > MAX_DEPTH) {
        if (!selfClosing) skipped++;
      } else {
        const bodyEnd = selfClosing ? gt - 1 : gt;
        let nameEnd = lt + 1;
        while (nameEnd < bodyEnd && !isNameEnd(text.charCodeAt(nameEnd))) nameEnd++;
        const name = text.slice(lt + 1, nameEnd);
        const attrs = nameEnd < bodyEnd ? parseAttributes(text.slice(nameEnd, bodyEnd)) : {};
        const element: XmlElement = { name, attrs, children: [], text: '' };
        top.children.push(element);
        if (!selfClosing) {
          stack.push(element);
          openByName.set(name, (openByName.get(name) ?? 0) + 1);
        }
      }
    }
  }
  return root.children.find((c) => c.name !== '') ?? root;
}

const SLASH = 0x2f;

/** Where a tag name ends, as /^[^\s/>]+/ has it ('>' cannot occur: the tag ends at the first). */
const isNameEnd = (code: number): boolean => code === SLASH || isSpace(code);

/** \s as RegExp defines it; the common ASCII cases first. */
function isSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return code >= 0xa0 && /\s/.test(String.fromCharCode(code));
}

const isNameChar = (code: number): boolean => code !== 0x3d /* = */ && code !== 0x2f /* / */ && !isSpace(code);

/**
 * name="value" and name='value' pairs after the tag name; anything else in the tag is skipped.
 * Finds each "=" and reads the name back from it, so a long run without one costs one pass (a
 * regex that tries every start of a name before failing at the missing "=" is quadratic).
 */
function parseAttributes(body: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const missingQuote = { '"': false, "'": false };
  // Where the last value ended: a name never reaches back into it ('a="x"b="y"' has names a and b).
  let floor = 0;
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf('=', i);
    if (eq === -1) break;
    i = eq + 1;
    let nameEnd = eq;
    while (nameEnd > floor && isSpace(body.charCodeAt(nameEnd - 1))) nameEnd--;
    let nameStart = nameEnd;
    while (nameStart > floor && isNameChar(body.charCodeAt(nameStart - 1))) nameStart--;
    let v = eq + 1;
    while (v < body.length && isSpace(body.charCodeAt(v))) v++;
    const quote = body[v];
    if (nameStart === nameEnd || (quote !== '"' && quote !== "'") || missingQuote[quote]) continue;
    const close = body.indexOf(quote, v + 1);
    // No closing quote now means none later either: remember it instead of searching again.
    if (close === -1) {
      missingQuote[quote] = true;
      continue;
    }
    // defineProperty: a "__proto__" attribute is an attribute, not the object's prototype.
    Object.defineProperty(attrs, body.slice(nameStart, nameEnd), { value: decodeEntities(body.slice(v + 1, close)), enumerable: true, writable: true, configurable: true });
    i = floor = close + 1;
  }
  return attrs;
}

/** Skips <!DOCTYPE ...> including an internal [subset]. */
function skipDeclaration(text: string, start: number): number {
  let depth = 0;
  for (let j = start + 2; j < text.length; j++) {
    const ch = text[j];
    if (ch === '[') depth++;
    else if (ch === ']') depth--;
    else if (ch === '>' && depth <= 0) return j + 1;
  }
  return text.length;
}

export function child(el: XmlElement | undefined | null, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function childrenNamed(el: XmlElement | undefined | null, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** Trimmed text at a child path, e.g. textAt(gpu, 'fb_memory_usage', 'total'); null when absent. */
export function textAt(el: XmlElement | undefined | null, ...names: string[]): string | null {
  let current: XmlElement | undefined = el ?? undefined;
  for (const name of names) current = child(current, name);
  return current ? current.text.trim() : null;
}
