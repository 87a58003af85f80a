/**
 * How the report models (and so the JSON and CSV exports) round their numbers: byte counts are
 * whole bytes (an average of byte counts is not a byte count: 136257227.219574 B → 136257227);
 * every other fraction (hours, GiB-hours, percentages, load) keeps six significant digits.
 * Significant digits rather than fixed decimals: a brief job's 0.00000556 CPU-hours keeps its
 * three figures where four decimals would make it 0, and 12345.6789 hours keeps a precision
 * (0.1 h) far below anything the one-second samples can tell apart; float noise such as
 * 0.30000000000000004 goes. Sums are taken before rounding, so a total can differ from the sum
 * of its rounded parts in the sixth digit.
 */
export function roundFigure(v: number): number {
  return Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(6)) : v;
}

export function roundFigureOrNull(v: number | null | undefined): number | null {
  return v === null || v === undefined ? null : roundFigure(v);
}

/** Byte counts (and seconds of uptime): whole numbers. */
export function whole(v: number): number {
  return Number.isFinite(v) ? Math.round(v) : v;
}

export function wholeOrNull(v: number | null): number | null {
  return v === null ? null : whole(v);
}
