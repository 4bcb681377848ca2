// The Memory Growth panel (a webview view): live memory and the top suspects' growth, drawn by uPlot.
// Session names and suspect titles come from the debugged program: they only ever reach the DOM as
// text (textContent, and uPlot's string series labels, which it sets with textContent too).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { Readings } from '../analysis/readings.ts';
import {
  BYTE_INCRS,
  byteTicks,
  type Columns,
  formatBytes,
  formatSeconds,
  liveColumns,
  markersInRange,
  newest,
  SECOND_INCRS,
  suspectColumns,
} from './memory-chart.ts';
import { type FromWebview, type SnapshotMarker, type SuspectSeries, type ToWebview } from './protocol.ts';

declare function acquireVsCodeApi(): { postMessage(message: FromWebview): void };
const vscode = acquireVsCodeApi();

const state = {
  name: null as string | null,
  samples: new Readings(),
  markers: [] as SnapshotMarker[],
  snapshotTimesMs: [] as number[],
  suspects: [] as SuspectSeries[],
  ended: null as string | null,
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, parent: HTMLElement, text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = className;
  e.textContent = text;
  parent.append(e);
  return e;
}

/** A titled chart that fills its area, or a line of text while there is nothing to draw. */
class ChartSlot {
  chart: uPlot | null = null;
  private readonly area: HTMLDivElement;
  private readonly empty: HTMLParagraphElement;
  private readonly legend: HTMLDivElement;
  private readonly resizer = new ResizeObserver(() => this.chart?.setSize(this.size()));

  constructor(parent: HTMLElement, className: string, heading: string) {
    const section = el('section', `chart ${className}`, parent);
    el('h2', '', section, heading);
    // CSS sizes the area and the chart is positioned inside it, so resizing the chart can't resize the area.
    this.area = el('div', 'plot', section);
    this.empty = el('p', 'empty', this.area);
    this.legend = el('div', 'legend', section);
  }

  showEmpty(text: string): void {
    this.clear();
    this.empty.textContent = text;
    this.empty.hidden = false;
  }

  create(options: Omit<uPlot.Options, 'width' | 'height' | 'legend'>, data: Columns): void {
    this.clear();
    this.empty.hidden = true;
    const legend = { mount: (_u: uPlot, table: HTMLElement) => this.legend.append(table) };
    this.chart = new uPlot({ ...this.size(), ...options, legend }, data as uPlot.AlignedData, this.area);
    // The legend fills in and takes room from the area later. A new observation reports the area's size
    // once layout settles, even when it ends the size it was before (which a resize would not report).
    this.resizer.disconnect();
    this.resizer.observe(this.area);
    // Long suspect titles are cut by CSS: the full text on hover.
    for (const label of this.legend.querySelectorAll<HTMLElement>('.u-label')) label.title = label.textContent ?? '';
  }

  clear(): void {
    this.chart?.destroy();
    this.chart = null;
  }

  private size(): { width: number; height: number } {
    return { width: this.area.clientWidth, height: this.area.clientHeight };
  }
}

const header = el('header', '', document.body);
const title = el('span', 'session', header);
const capture = el('button', '', header, 'Capture Heap Snapshot');
capture.addEventListener('click', () => vscode.postMessage({ type: 'capture' }));
const status = el('p', 'status', document.body);
status.setAttribute('role', 'status');
const main = el('main', '', document.body);
const live = new ChartSlot(main, 'live', 'Memory');
const suspects = new ChartSlot(main, 'suspects', 'Suspects: retained size per snapshot');

interface Theme {
  fg: string;
  grid: string;
  family: string;
  blue: string;
  red: string;
  green: string;
  yellow: string;
  orange: string;
  purple: string;
}

function readTheme(): Theme {
  const style = getComputedStyle(document.body);
  // Fallbacks (VS Code's dark defaults) for a webview opened without VS Code's variables.
  const v = (name: string, fallback: string): string => style.getPropertyValue(`--vscode-${name}`).trim() || fallback;
  return {
    fg: v('foreground', '#cccccc'),
    grid: v('editorWidget-border', '#454545'),
    family: style.fontFamily,
    blue: v('charts-blue', '#3794ff'),
    red: v('charts-red', '#f14c4c'),
    green: v('charts-green', '#89d185'),
    yellow: v('charts-yellow', '#cca700'),
    orange: v('charts-orange', '#d18616'),
    purple: v('charts-purple', '#b180d7'),
  };
}

let theme = readTheme();
const measure = document.createElement('canvas').getContext('2d')!;

const axisFont = (): string => `11px ${theme.family}`;

/** Room for the widest tick label, so "1000 MB" is not cut. */
function axisSize(_u: uPlot, values: string[] | null): number {
  measure.font = axisFont();
  return Math.ceil(Math.max(0, ...(values ?? []).map((v) => measure.measureText(v).width))) + 14;
}

function axes(): uPlot.Axis[] {
  const common = { stroke: theme.fg, font: axisFont(), grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1, size: 4 } };
  return [
    { ...common, incrs: SECOND_INCRS, values: (_u, splits) => splits.map(formatSeconds), size: 28 },
    { ...common, incrs: BYTE_INCRS, values: (_u, splits) => byteTicks(splits), size: axisSize },
  ];
}

/** Legend values: at the cursor, or the newest while the cursor is off the chart. */
const legendValue =
  (format: (v: number) => string): uPlot.Series.Value =>
  (u, v: number | null, seriesIdx, idx) => {
    const value = idx === null ? newest(u.data[seriesIdx]!) : v;
    return value === null ? '--' : format(value);
  };
const bytesValue = legendValue(formatBytes);
const secondsValue = legendValue(formatSeconds);

/** Both charts: memory from zero, no drag-to-zoom (live data resets the scales every second). */
const frame = (): Omit<uPlot.Options, 'width' | 'height' | 'series'> => ({
  scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1024] } },
  axes: axes(),
  cursor: { drag: { x: false, y: false, setScale: false } },
});

/** The snapshot markers: a dashed vertical line each, labelled at the top. */
function drawMarkers(u: uPlot): void {
  const { ctx, bbox } = u;
  const px = uPlot.pxRatio;
  ctx.save();
  ctx.strokeStyle = ctx.fillStyle = theme.fg;
  ctx.lineWidth = px;
  ctx.setLineDash([4 * px, 3 * px]);
  ctx.font = `${10 * px}px ${theme.family}`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  for (const m of markersInRange(state.markers, u.scales.x!.min ?? 0, u.scales.x!.max ?? 0)) {
    const x = Math.round(u.valToPos(m.x, 'x', true)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x, bbox.top + bbox.height);
    ctx.stroke();
    ctx.fillText(m.label, x + 3 * px, bbox.top + 2 * px);
  }
  ctx.restore();
}

function liveOptions(): Omit<uPlot.Options, 'width' | 'height' | 'legend'> {
  const line = (label: string, stroke: string): uPlot.Series => ({ label, stroke, width: 1.5, value: bytesValue });
  return {
    ...frame(),
    series: [
      { label: 'Time', value: secondsValue },
      line('Heap used', theme.blue),
      line('Heap total', theme.purple),
      line('RSS', theme.yellow),
      line('External', theme.green),
      // Dots only: heapUsed where the reading followed a full GC.
      { label: 'After GC', stroke: theme.blue, paths: () => null, points: { show: true, size: 5, fill: theme.blue }, value: bytesValue },
      // Hollow dots over the RSS line: readings around a capture, left out of the rss trend.
      { label: 'During capture', stroke: theme.yellow, paths: () => null, points: { show: true, size: 7, fill: 'transparent' }, value: bytesValue },
    ],
    hooks: { draw: [drawMarkers] },
  };
}

function suspectOptions(): Omit<uPlot.Options, 'width' | 'height' | 'legend'> {
  const palette = [theme.red, theme.blue, theme.yellow, theme.purple, theme.green, theme.orange];
  return {
    ...frame(),
    series: [
      { label: 'Snapshot', value: secondsValue },
      ...state.suspects.map((s, i): uPlot.Series => {
        const stroke = palette[i % palette.length]!;
        return { label: s.title, stroke, width: 2, points: { show: true, size: 6, fill: stroke }, value: bytesValue };
      }),
    ],
  };
}

function renderHeader(): void {
  title.textContent = state.name ?? 'No debug session';
  status.textContent = state.ended ?? '';
  status.hidden = state.ended === null;
  capture.disabled = state.name === null || state.ended !== null;
}

function renderLive(): void {
  const samples = state.samples.toArray();
  if (samples.length === 0) {
    live.showEmpty(state.name === null ? 'Start debugging a Node program to see its memory' : 'Waiting for the first memory reading…');
  } else if (live.chart) {
    live.chart.setData(liveColumns(samples) as uPlot.AlignedData);
  } else {
    live.create(liveOptions(), liveColumns(samples));
  }
}

function renderSuspects(): void {
  if (state.snapshotTimesMs.length < 2) suspects.showEmpty('Take two snapshots to see suspects grow');
  else if (state.suspects.length === 0) suspects.showEmpty('No suspects grew between the snapshots');
  else suspects.create(suspectOptions(), suspectColumns(state.snapshotTimesMs, state.suspects));
}

function renderAll(): void {
  live.clear();
  renderHeader();
  renderLive();
  renderSuspects();
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'session':
      Object.assign(state, { name: msg.name, samples: Readings.of(msg.samples), markers: msg.markers, snapshotTimesMs: [], suspects: [], ended: null });
      renderAll();
      break;
    case 'samples':
      for (const sample of msg.samples) state.samples.push(sample);
      renderLive();
      break;
    case 'marker':
      state.markers.push(msg.marker);
      live.chart?.redraw(false);
      break;
    case 'suspects':
      state.snapshotTimesMs = msg.snapshotTimesMs;
      state.suspects = msg.series;
      renderSuspects();
      break;
    case 'ended':
      state.ended = msg.message;
      renderHeader();
      break;
  }
});

// VS Code swaps the body's theme class and the --vscode-* variables on <html> when the theme changes;
// the charts' colours are canvas state, so they are rebuilt when the colours really changed.
const themeObserver = new MutationObserver(() => {
  const next = readTheme();
  if (JSON.stringify(next) === JSON.stringify(theme)) return;
  theme = next;
  renderAll();
});
themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

renderAll();
vscode.postMessage({ type: 'ready' });
