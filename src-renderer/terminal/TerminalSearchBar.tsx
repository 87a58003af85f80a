import { useEffect, useRef, useState } from 'react';
import { Icon } from '../app/icons.js';
import { useTerminalManager, useTerminals } from './terminals-context.js';

/** Find in the active terminal's scrollback: Enter / Shift+Enter step through matches, Esc closes. */
export function SearchBar() {
  const manager = useTerminalManager();
  const snap = useTerminals();
  const [text, setText] = useState('');
  const [caseSensitive, setCaseSensitive] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => inputRef.current?.focus(), []);
  useEffect(() => {
    manager.find(text, 'next', { caseSensitive });
  }, [text, caseSensitive, manager]);
  const { resultIndex, resultCount } = snap.search;
  const count = !text ? '' : resultCount === 0 ? 'No matches' : `${resultIndex + 1} of ${resultCount}`;
  return (
    <div className="terminal-search" role="search">
      <Icon name="search" size={14} />
      <input
        ref={inputRef}
        type="search"
        value={text}
        placeholder="Find in scrollback"
        aria-label="Find in the terminal"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            manager.find(text, e.shiftKey ? 'previous' : 'next', { caseSensitive });
          } else if (e.key === 'Escape') {
            e.preventDefault();
            manager.setSearchOpen(false);
          }
        }}
        data-testid="terminal-search"
      />
      <span className="terminal-search-count" data-testid="terminal-search-count" aria-live="polite">
        {count}
      </span>
      <label className="terminal-search-case" title="Match case">
        <input type="checkbox" checked={caseSensitive} onChange={(e) => setCaseSensitive(e.target.checked)} />
        Aa
      </label>
      <button type="button" className="icon-button" aria-label="Previous match" title="Previous (Shift+Enter)" onClick={() => manager.find(text, 'previous', { caseSensitive })} data-testid="terminal-search-prev">
        ↑
      </button>
      <button type="button" className="icon-button" aria-label="Next match" title="Next (Enter)" onClick={() => manager.find(text, 'next', { caseSensitive })} data-testid="terminal-search-next">
        ↓
      </button>
      <button type="button" className="icon-button" aria-label="Close the search" title="Close (Esc)" onClick={() => manager.setSearchOpen(false)} data-testid="terminal-search-close">
        <Icon name="x" size={14} />
      </button>
    </div>
  );
}
