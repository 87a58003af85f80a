/**
 * A minimal XML reader for `nvidia-smi -q -x`: elements, attributes, text, CDATA and the five
 * predefined entities plus numeric references. No namespaces, no DTD processing (the DOCTYPE is
 * skipped), no validation. It is lenient by design: a mismatched close tag closes up to the
 * matching open element instead of failing, so one odd driver build does not lose every GPU.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text directly inside this element (not inside children), entity-decoded. */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

const ATTR = /([^\s=/]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const top = stack[stack.length - 1]!;
    if (lt === -1) {
      top.text += decodeEntities(text.slice(i));
      break;
    }
    if (lt > i) top.text += decodeEntities(text.slice(i, lt));
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      i = end === -1 ? text.length : end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      top.text += text.slice(lt + 9, end === -1 ? text.length : end);
      i = end === -1 ? text.length : end + 3;
    } else if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt + 2);
      i = end === -1 ? text.length : end + 2;
    } else if (text.startsWith('<!', lt)) {
      i = skipDeclaration(text, lt);
    } else {
      const gt = text.indexOf('>', lt + 1);
      if (gt === -1) break;
      const inner = text.slice(lt + 1, gt);
      i = gt + 1;
      if (inner.startsWith('/')) {
        const name = inner.slice(1).trim();
        const at = stack.map((e) => e.name).lastIndexOf(name);
        if (at > 0) stack.length = at;
        continue;
      }
      const selfClosing = inner.endsWith('/');
      const body = selfClosing ? inner.slice(0, -1) : inner;
      const name = /^[^\s/>]+/.exec(body)?.[0] ?? '';
      const attrs: Record<string, string> = {};
      for (const m of body.slice(name.length).matchAll(ATTR)) attrs[m[1]!] = decodeEntities(m[2] ?? m[3] ?? '');
      const element: XmlElement = { name, attrs, children: [], text: '' };
      top.children.push(element);
      if (!selfClosing) stack.push(element);
    }
  }
  return root.children.find((c) => c.name !== '') ?? root;
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
