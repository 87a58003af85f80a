import { z } from 'zod';
import { event, request } from '../contract.js';
import { hostIdSchema } from '../hosts/host.schema.js';

/**
 * Terminals: ssh2 shell channels (pty) on a host's existing, host-key-checked connection.
 * Output flows as terminals.onData events; the front end acknowledges what it has rendered
 * (xterm's write callback) and the core pauses the SSH channel while more than the high
 * watermark is unacknowledged, so a huge `cat` neither freezes the UI nor grows memory.
 */
export const terminalIdSchema = z.string().regex(/^t[0-9a-z]{1,32}$/, 'not a terminal id');

/** shell: a login shell. tmux/screen: attach to (or create) a named session that survives the app. */
export const terminalModeSchema = z.enum(['shell', 'tmux', 'screen']);
export type TerminalMode = z.infer<typeof terminalModeSchema>;

export const TERMINAL_LIMITS = { minCols: 2, maxCols: 1000, minRows: 1, maxRows: 500, maxInput: 64 * 1024 } as const;
/** Unacknowledged output (bytes) at which the channel is paused, and below which it resumes. */
export const TERMINAL_WATERMARKS = { high: 1024 * 1024, low: 256 * 1024 } as const;

const cols = z.number().int().min(TERMINAL_LIMITS.minCols).max(TERMINAL_LIMITS.maxCols);
const rows = z.number().int().min(TERMINAL_LIMITS.minRows).max(TERMINAL_LIMITS.maxRows);

export const terminalStateSchema = z.enum(['opening', 'open', 'lost', 'closed']);
export type TerminalState = z.infer<typeof terminalStateSchema>;

export const terminalInfoSchema = z.object({
  terminalId: terminalIdSchema,
  hostId: z.number().int(),
  hostName: z.string(),
  /** The login user on the host. */
  user: z.string(),
  mode: terminalModeSchema,
  /** tmux/screen session name on the host. */
  session: z.string().nullable(),
  cols: z.number().int(),
  rows: z.number().int(),
  openedAt: z.number(),
  state: terminalStateSchema,
});
export type TerminalInfo = z.infer<typeof terminalInfoSchema>;

/** A tmux/screen session name: it is passed as one argv element, and kept to a safe alphabet anyway. */
export const tmuxSessionSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a session name is 1 to 64 letters, digits, "_", "." or "-"');
export const DEFAULT_TMUX_SESSION = 'fleetdeck';

const ok = z.object({ ok: z.literal(true) });

export const terminalsContract = {
  open: request(
    'terminals.open',
    z.object({ id: hostIdSchema, cols, rows, mode: terminalModeSchema.default('shell'), session: tmuxSessionSchema.optional() }),
    terminalInfoSchema,
  ),
  /** Keystrokes and pastes. Never logged or audited. */
  input: request('terminals.input', z.object({ terminalId: terminalIdSchema, data: z.string().max(TERMINAL_LIMITS.maxInput) }), ok),
  resize: request('terminals.resize', z.object({ terminalId: terminalIdSchema, cols, rows }), ok),
  /** Bytes of output the front end has rendered since its last ack. */
  ack: request('terminals.ack', z.object({ terminalId: terminalIdSchema, bytes: z.number().int().min(0).max(2 ** 31) }), ok),
  close: request('terminals.close', z.object({ terminalId: terminalIdSchema }), z.object({ closed: z.boolean() })),
  list: request('terminals.list', z.object({}).default({}), z.array(terminalInfoSchema)),
} as const;

export const terminalsEvents = {
  /** Output, decoded as UTF-8 (split sequences are carried over); bytes is the raw count to ack. */
  onData: event('terminals.onData', z.object({ terminalId: terminalIdSchema, data: z.string(), bytes: z.number().int() })),
  /**
   * open → lost (the link dropped; output stays) → open again with reconnected: true (the front end
   * draws a divider) | closed (the shell exited, the user closed it, or the host was removed).
   */
  onState: event(
    'terminals.onState',
    z.object({
      terminalId: terminalIdSchema,
      state: terminalStateSchema,
      at: z.number(),
      reconnected: z.boolean().optional(),
      exitCode: z.number().int().nullable().optional(),
      message: z.string().optional(),
    }),
  ),
} as const;
