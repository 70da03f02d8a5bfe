import { useEffect, useRef, type ReactNode } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: Array<number | null>;
}

/**
 * A time-series chart drawn by uPlot: created once, its data replaced with every answer
 * (`version` counts them; no re-creation, so it does not flicker every 5 s), resized with
 * its box. `data-updates` counts the redraws (a test reads it; people read the figures).
 */
export function TimeChart({ title, times, series, format, summary, version }: { title: string; times: number[]; series: ChartSeries[]; format: (v: number) => string; summary: string; version: number }): ReactNode {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const updates = useRef(0);
  const shape = series.map((s) => s.label).join('|');

  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: 180,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: '#b4bcd3', grid: { stroke: '#2a3352' }, ticks: { stroke: '#2a3352' } },
        { stroke: '#b4bcd3', grid: { stroke: '#2a3352' }, ticks: { stroke: '#2a3352' }, size: 76, values: (_u, ticks) => ticks.map((t) => format(t)) },
      ],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false, value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)) }))],
    };
    plot.current = new uPlot(opts, [[], ...series.map(() => [])], el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: 180 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // The chart is rebuilt only when its series change, not for new data.
  }, [shape]);

  useEffect(() => {
    if (!plot.current) return;
    plot.current.setData([times, ...series.map((s) => s.values)]);
    updates.current++;
    box.current?.setAttribute('data-updates', String(updates.current));
    // Redrawn once per answer (version), whatever else re-renders the page.
  }, [version, shape]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-box" role="img" aria-label={`${title}: ${summary}`} data-updates="0" />
    </figure>
  );
}
