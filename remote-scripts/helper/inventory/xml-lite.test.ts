import { describe, expect, it } from 'vitest';
import { decodeEntities, parseXml, textAt } from './xml-lite.js';

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
