/** A chart.js chart as a Preact component (only the parts we use are registered). */
import { BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

export function ChartBox({ title, config, testId }: { title: string; config: ChartConfiguration; testId?: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, { ...config, options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options } });
    return () => chart.destroy();
  }, [JSON.stringify(config.data), title]);
  return (
    <section class="card chart" data-testid={testId}>
      <h3>{title}</h3>
      <div class="chart-area">
        <canvas ref={canvas} />
      </div>
    </section>
  );
}

export const COLORS = ['#2563eb', '#f97316', '#16a34a', '#dc2626', '#7c3aed'];
