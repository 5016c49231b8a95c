// Hand-built SVG line charts for the metrics plot (no chart library is installed); Chromium turns the
// page into a PNG.

/** One line of a panel: its legend and (seconds since start, value) points. */
export interface Line {
  label: string;
  points: Array<[number, number]>;
}

export interface PanelData {
  title: string;
  unit: string;
  lines: Line[];
}

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const WIDTH = 620;
const HEIGHT = 300;
const PLOT = { left: 60, right: 10, top: 30, bottom: 95 };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function formatTick(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) >= 1000) return `${(value / 1000).toFixed(1)}k`;
  if (Math.abs(value) < 0.01) return value.toExponential(0);
  return Number(value.toPrecision(3)).toString();
}

function axes(maxX: number, maxY: number, unit: string): string {
  const plotW = WIDTH - PLOT.left - PLOT.right;
  const plotH = HEIGHT - PLOT.top - PLOT.bottom;
  const parts: string[] = [];
  for (let i = 0; i <= 4; i += 1) {
    const y = PLOT.top + plotH - (plotH * i) / 4;
    parts.push(`<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${PLOT.left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${formatTick((maxY * i) / 4)}</text>`);
  }
  for (let i = 0; i <= 5; i += 1) {
    const x = PLOT.left + (plotW * i) / 5;
    parts.push(`<text x="${x}" y="${PLOT.top + plotH + 15}" text-anchor="middle" font-size="11">${Math.round((maxX * i) / 5)} s</text>`);
  }
  parts.push(
    `<text x="12" y="${PLOT.top + plotH / 2}" font-size="11" transform="rotate(-90 12 ${PLOT.top + plotH / 2})" text-anchor="middle">${escape(unit)}</text>`,
  );
  return parts.join('');
}

function legend(lines: readonly Line[]): string {
  return lines
    .slice(0, 10)
    .map((line, i) => {
      const x = PLOT.left + (i % 2) * 280;
      const y = HEIGHT - PLOT.bottom + 32 + Math.floor(i / 2) * 13;
      const colour = COLOURS[i % COLOURS.length];
      return `<rect x="${x}" y="${y - 8}" width="10" height="3" fill="${colour}"/><text x="${x + 14}" y="${y - 3}" font-size="10">${escape(line.label.slice(0, 44))}</text>`;
    })
    .join('');
}

/** One panel as an SVG element, like a Grafana time series panel. */
export function panelSvg(panel: PanelData): string {
  const all = panel.lines.flatMap((line) => line.points);
  const maxX = Math.max(1, ...all.map(([x]) => x));
  const maxY = Math.max(...all.map(([, y]) => y), 0) * 1.1 || 1;
  const plotW = WIDTH - PLOT.left - PLOT.right;
  const plotH = HEIGHT - PLOT.top - PLOT.bottom;
  const paths = panel.lines.map((line, i) => {
    const d = line.points.map(
      ([x, y], j) =>
        `${j === 0 ? 'M' : 'L'}${(PLOT.left + (x / maxX) * plotW).toFixed(1)},${(PLOT.top + plotH - (y / maxY) * plotH).toFixed(1)}`,
    );
    return `<path d="${d.join('')}" fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="1.5"/>`;
  });
  const empty =
    panel.lines.length === 0 ? `<text x="${WIDTH / 2}" y="${HEIGHT / 2 - 20}" text-anchor="middle" fill="#999">No data</text>` : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff" stroke="#ccc"/>`,
    `<text x="10" y="18" font-size="13" font-weight="bold">${escape(panel.title)}</text>`,
    axes(maxX, maxY, panel.unit),
    ...paths,
    empty,
    legend(panel.lines),
    '</svg>',
  ].join('');
}

/** The dashboard page: every panel, two a row. */
export function dashboardHtml(title: string, subtitle: string, panels: readonly PanelData[]): string {
  return `<!doctype html><html><body style="margin:0;padding:12px;background:#f4f5f5;font-family:sans-serif">
<h2 style="margin:0 0 4px">${escape(title)}</h2><div style="margin:0 0 10px;color:#555;font-size:13px">${escape(subtitle)}</div>
<div style="display:grid;grid-template-columns:repeat(2,${WIDTH}px);gap:8px">${panels.map(panelSvg).join('')}</div></body></html>`;
}
