import { memo } from 'react';
import { Area, AreaChart, XAxis, YAxis } from 'recharts';

export interface SparkPoint {
  t: number;
  v: number | null;
}

interface Props {
  points: readonly SparkPoint[];
  /** Palette index (series-N in monitor.css). */
  color: number;
  /** Top of the scale (100 for percentages). */
  max?: number;
  label: string;
  testId?: string;
}

/**
 * A tiny trend line: no axes, no tooltip, no animation. Memoised on its points, which the card
 * rebuilds every few seconds rather than on every sample, so a fleet of cards stays cheap.
 */
export const Sparkline = memo(function Sparkline({ points, color, max = 100, label, testId }: Props) {
  return (
    <div className="sparkline" role="img" aria-label={label} data-testid={testId} data-points={points.length}>
      {points.length > 1 ? (
        <AreaChart responsive className="sparkline-chart" data={points as SparkPoint[]} margin={{ top: 2, right: 0, bottom: 1, left: 0 }} accessibilityLayer={false}>
          <XAxis dataKey="t" type="number" domain={['dataMin', 'dataMax']} hide />
          <YAxis domain={[0, max]} hide allowDataOverflow />
          <Area dataKey="v" type="monotone" className={`series series-${color}`} isAnimationActive={false} dot={false} activeDot={false} strokeWidth={1.5} />
        </AreaChart>
      ) : (
        <span className="sparkline-empty" />
      )}
    </div>
  );
});
