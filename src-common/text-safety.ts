/**
 * Checks for names a person reads and types (host names, tags): text that looks like one thing and
 * is another is refused. Shared by every schema that takes such a name.
 *
 * - well-formed UTF-16 (no lone surrogates);
 * - already in NFKC form, so fullwidth "ｒｏｏｔ" or ligatures, which display like plain letters,
 *   are not accepted as different names;
 * - letters from one script only among the easily confused ones (Latin, Greek, Cyrillic): "аdmin"
 *   with a Cyrillic "а" is refused, "Лаборатория" or "gpu-1" are fine (the same rule browsers
 *   apply to domain names).
 */
const CONFUSABLE_SCRIPTS: [string, RegExp][] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
];

export function isWellFormedText(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

export function isNfkc(s: string): boolean {
  return s.normalize('NFKC') === s;
}

export function mixedScripts(s: string): string[] {
  return CONFUSABLE_SCRIPTS.filter(([, re]) => re.test(s)).map(([name]) => name);
}

/** Why a name would deceive a reader, or null when it is plain. */
export function deceptiveNameReason(s: string): string | null {
  if (!isWellFormedText(s)) return 'contains a broken character (a lone UTF-16 surrogate)';
  if (!isNfkc(s)) return 'uses look-alike forms of letters (fullwidth letters, ligatures): type them plainly';
  const scripts = mixedScripts(s);
  if (scripts.length > 1) return `mixes ${scripts.join(' and ')} letters, which look alike (e.g. Cyrillic "а" and Latin "a")`;
  return null;
}
