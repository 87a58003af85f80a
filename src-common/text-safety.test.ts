import { describe, expect, it } from 'vitest';
import { deceptiveNameReason } from './text-safety.js';

describe('deceptiveNameReason', () => {
  it.each(['gpu-1', 'Лаборатория', 'Laborrechner Ü 🚀', 'αβγ-2', '研究室', 'box (old)'])('lets a plain name through: %s', (s) => {
    expect(deceptiveNameReason(s)).toBeNull();
  });
  it.each([
    ['аdmin', /Latin and Cyrillic/],
    ['gpu-1ο', /Latin and Greek/],
    ['ｒｏｏｔ', /look-alike forms/],
    ['ﬁle', /look-alike forms/],
    ['a\ud800b', /lone UTF-16 surrogate/],
  ])('refuses %j', (s, why) => {
    expect(deceptiveNameReason(s)).toMatch(why);
  });
});
