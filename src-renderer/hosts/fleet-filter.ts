import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';

/**
 * Every word must match the name, address, user or a tag (case-insensitive substring);
 * "tag:gpu" matches tags only.
 */
export function matchesFilter(host: Pick<HostWithState, 'name' | 'address' | 'user' | 'tags'>, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  return words.every((word) => {
    if (word.startsWith('tag:')) {
      const tag = word.slice(4);
      return host.tags.some((t) => t.toLowerCase().includes(tag));
    }
    return (
      host.name.toLowerCase().includes(word) ||
      host.address.toLowerCase().includes(word) ||
      host.user.toLowerCase().includes(word) ||
      host.tags.some((t) => t.toLowerCase().includes(word))
    );
  });
}
