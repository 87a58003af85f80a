/**
 * xterm.js styles its terminals in two ways the app's CSP (style-src 'self', no 'unsafe-inline')
 * blocks: <style> elements it fills with per-terminal CSS (theme colours, cell sizes), and
 * `setAttribute('style', …)` on row spans (true-colour cells). Loosening the CSP for the whole
 * app is not an option, so both go through the CSSOM instead, which the CSP allows:
 *
 *  - document.createElement('style') gives an inert <fd-style> element whose text becomes a
 *    constructable stylesheet, adopted by the document while the element is connected;
 *  - setAttribute('style', text) on an HTML element becomes `element.style.cssText = text`.
 *
 * Only script running in the page can reach either, and that script is already trusted
 * (script-src 'self'); markup injected from host data still cannot carry styles. Our own code
 * never creates <style> elements or style attributes, so in practice this only sees xterm's.
 */
let installed = false;

export function installCspStyleShim(): void {
  if (installed || typeof window === 'undefined' || typeof CSSStyleSheet === 'undefined' || !('adoptedStyleSheets' in Document.prototype)) return;
  installed = true;

  class ShimStyleElement extends HTMLElement {
    private sheet: CSSStyleSheet | null = null;
    private text = '';

    override get textContent(): string {
      return this.text;
    }

    override set textContent(value: string | null) {
      this.text = value ?? '';
      this.sheet ??= new CSSStyleSheet();
      this.sheet.replaceSync(this.text);
    }

    connectedCallback(): void {
      this.sheet ??= new CSSStyleSheet();
      const doc = this.ownerDocument;
      if (!doc.adoptedStyleSheets.includes(this.sheet)) doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, this.sheet];
    }

    disconnectedCallback(): void {
      const doc = this.ownerDocument;
      if (this.sheet) doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((s) => s !== this.sheet);
    }
  }
  customElements.define('fd-style', ShimStyleElement);

  const createElement = Document.prototype.createElement as (this: Document, tagName: string, options?: ElementCreationOptions) => HTMLElement;
  (Document.prototype as { createElement: unknown }).createElement = function (this: Document, tagName: string, options?: ElementCreationOptions): HTMLElement {
    if (typeof tagName === 'string' && tagName.toLowerCase() === 'style') return createElement.call(this, 'fd-style');
    return createElement.call(this, tagName, options);
  };

  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (this: Element, name: string, value: string) {
    if (this instanceof HTMLElement && typeof name === 'string' && name.toLowerCase() === 'style') {
      this.style.cssText = String(value);
      return;
    }
    setAttribute.call(this, name, value);
  };
}
