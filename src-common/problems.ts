/**
 * The one closed list of problem codes shared by helper, core, API and UI.
 * The code decides what the caller does next (retry, ask the user, give up);
 * the message tells a person what to do.
 */
export const PROBLEM_CODES = [
  'authentication-failed',
  'unknown-hostkey',
  'hostkey-changed',
  'hostkey-revoked',
  'access-denied',
  'sudo-required',
  'not-found',
  'timeout',
  'disconnected',
  'cancelled',
  'change-conflict',
  /** Another program holds what a change needs (apt's lock, a running package manager): try again shortly. */
  'busy',
  /** A step of a host change failed (a package install, a service that would not start): the message has its own words. */
  'step-failed',
  'unsupported-os',
  'no-exec-dir',
  'no-space',
  'invalid-input',
  'protocol-error',
  'internal-error',
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];

export interface Problem {
  problem: ProblemCode;
  message: string;
  /** Structured facts for the UI (e.g. fingerprints of a changed host key). Never secrets. */
  details?: Record<string, unknown>;
}

/** Whether trying the same thing again later may succeed without the user changing anything. */
export function isRetryable(code: ProblemCode): boolean {
  return code === 'timeout' || code === 'disconnected' || code === 'busy';
}

export class FleetdeckError extends Error implements Problem {
  readonly problem: ProblemCode;
  readonly details?: Record<string, unknown>;

  constructor(problem: ProblemCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'FleetdeckError';
    this.problem = problem;
    if (details) this.details = details;
  }

  toProblem(): Problem {
    return this.details
      ? { problem: this.problem, message: this.message, details: this.details }
      : { problem: this.problem, message: this.message };
  }
}

export function isProblemCode(value: unknown): value is ProblemCode {
  return typeof value === 'string' && (PROBLEM_CODES as readonly string[]).includes(value);
}

/** Turns anything thrown into a Problem; unknown errors become internal-error with their message. */
export function toProblem(err: unknown): Problem {
  if (err instanceof FleetdeckError) return err.toProblem();
  if (err && typeof err === 'object' && 'problem' in err && isProblemCode((err as Problem).problem)) {
    const p = err as Problem;
    return p.details ? { problem: p.problem, message: String(p.message), details: p.details } : { problem: p.problem, message: String(p.message) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { problem: 'internal-error', message: `Unexpected error: ${message}` };
}

export function fromProblem(p: Problem): FleetdeckError {
  return new FleetdeckError(p.problem, p.message, p.details);
}
