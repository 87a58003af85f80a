import { createInterface } from 'node:readline';

/** Asks on the terminal; secrets are not echoed. Returns null when stdin is not a terminal. */
export async function ask(question: string, opts: { secret?: boolean } = {}): Promise<string | null> {
  if (!process.stdin.isTTY) return null;
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (opts.secret) {
    const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
    out._writeToOutput = (s: string) => {
      if (s.includes(question)) process.stderr.write(s);
    };
  }
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    if (opts.secret) process.stderr.write('\n');
    rl.close();
  }
}
