/**
 * SQL of the rollup tables (min/avg/max and non-null count per series). Table and column names
 * come from the fixed tables of series.ts and gpu-series.ts, never from input.
 */

/**
 * The merge of an upsert: an existing row and the incoming group of values are combined (min of
 * mins, max of maxes, n-weighted average, n summed); a side with n = 0 contributes nothing.
 */
export function mergeOnConflict(key: readonly string[], columns: readonly string[]): string {
  const sets = columns.flatMap((c) => {
    const keep = (expr: string, col: string) => `CASE WHEN excluded.${c}_n = 0 THEN ${col} WHEN ${c}_n = 0 THEN excluded.${col} ELSE ${expr} END`;
    return [
      `${c}_min = ${keep(`min(${c}_min, excluded.${c}_min)`, `${c}_min`)}`,
      `${c}_avg = ${keep(`(${c}_avg * ${c}_n + excluded.${c}_avg * excluded.${c}_n) / (${c}_n + excluded.${c}_n)`, `${c}_avg`)}`,
      `${c}_max = ${keep(`max(${c}_max, excluded.${c}_max)`, `${c}_max`)}`,
      `${c}_n = ${c}_n + excluded.${c}_n`,
    ];
  });
  return `ON CONFLICT (${key.join(', ')}) DO UPDATE SET samples = samples + excluded.samples, ${sets.join(', ')}`;
}

/** The columns of the groups of `columns`: c_min, c_avg, c_max, c_n each. */
export const groupColumns = (columns: readonly string[]): string[] => columns.flatMap((c) => [`${c}_min`, `${c}_avg`, `${c}_max`, `${c}_n`]);

/**
 * Merging upsert of `rows` rows (rows with the same key merge in order, as separate statements
 * would), so the result is the same whatever order and batches the groups come in.
 */
export function mergingUpsertSql(table: string, key: readonly string[], columns: readonly string[], rows = 1): string {
  const cols = groupColumns(columns);
  const row = `(${new Array(key.length + 1 + cols.length).fill('?').join(', ')})`;
  return `INSERT INTO ${table} (${key.join(', ')}, samples, ${cols.join(', ')}) VALUES ${new Array(rows).fill(row).join(', ')}
    ${mergeOnConflict(key, columns)}`;
}
