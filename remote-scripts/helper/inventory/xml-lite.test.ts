import { describe, expect, it } from 'vitest';
import { decodeEntities, MAX_DEPTH, parseXml, textAt } from './xml-lite.js';

describe('xml-lite', () => {
  it('handles entities, CDATA, comments, self-closing tags and attributes', () => {
    const root = parseXml(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a k='v' j="w"><!-- c --><b>1 &amp; 2 &#x41;&#66;</b><c/><d><![CDATA[<raw>]]></d></a>`);
    expect(root.name).toBe('a');
    expect(root.attrs).toEqual({ k: 'v', j: 'w' });
    expect(textAt(root, 'b')).toBe('1 & 2 AB');
    expect(root.children.map((c) => c.name)).toEqual(['b', 'c', 'd']);
    expect(textAt(root, 'd')).toBe('<raw>');
    expect(decodeEntities('&unknown; &lt;')).toBe('&unknown; <');
  });

  it('recovers from a mismatched close tag', () => {
    const root = parseXml('<a><b><c>1</b><d>2</d></a>');
    expect(root.children.map((c) => c.name)).toEqual(['b', 'd']);
  });
});

/** The bound for the two inputs that stalled monitoring (2.7 s and 12 s before). */
function parseMs(text: string): number {
  const start = performance.now();
  parseXml(text);
  return performance.now() - start;
}

describe('xml-lite on hostile input', () => {
  it('parses a tag with a 40 KB body in under 100 ms', () => {
    expect(parseMs(`<a ${'x'.repeat(40_000)}>`)).toBeLessThan(100);
    expect(parseMs(`<a ${'x= '.repeat(13_000)} y="1">`)).toBeLessThan(100);
    expect(parseXml(`<a ${'x'.repeat(40_000)} y="1"/>`).attrs).toEqual({ y: '1' });
  });

  it('parses 20,000 mismatched nested tags in under 100 ms', () => {
    const nested = `<r>${'<a>'.repeat(20_000)}${'</b>'.repeat(20_000)}</r>`;
    expect(parseMs(nested)).toBeLessThan(100);
    expect(parseXml(nested).name).toBe('r');
    // Mismatched at shallow depth too: each </a> closes the <b> left open inside it.
    expect(parseXml(`<r>${'<a><b>1</a>'.repeat(2_000)}</r>`).children.map((c) => c.children.length)).toEqual(Array(2_000).fill(1));
  });

  it('skips elements nested deeper than MAX_DEPTH, content and all', () => {
    const root = parseXml(`<a>${'<b>'.repeat(MAX_DEPTH + 10)}deep${'</b>'.repeat(MAX_DEPTH + 10)}<c>after</c></a>`);
    let depth = 0;
    for (let el = root.children[0]; el; el = el.children[0]) depth++;
    expect(depth).toBe(MAX_DEPTH - 1);
    expect(textAt(root, 'c')).toBe('after');
  });

  it('leaves entities named after Object.prototype and out-of-range references as written', () => {
    expect(decodeEntities('&constructor;&toString;&__proto__;')).toBe('&constructor;&toString;&__proto__;');
    expect(() => parseXml('<a>&#x110000;&#99999999999999999999;</a>')).not.toThrow();
    expect(parseXml('<a>&#x110000;&#x1F600;</a>').text).toBe('&#x110000;😀');
  });

  it('keeps an attribute named __proto__ as an attribute', () => {
    const el = parseXml('<a __proto__="x" id="1"/>');
    expect(el.attrs.id).toBe('1');
    expect(Object.getOwnPropertyDescriptor(el.attrs, '__proto__')?.value).toBe('x');
  });
});
