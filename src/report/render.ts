/**
 * Figures to pictures: an ECharts option rendered on the server to SVG (no DOM, no browser), and SVG to PNG
 * with resvg. Both run in this process; nothing is fetched.
 */
import * as echarts from 'echarts';
import { Resvg } from '@resvg/resvg-js';

/** A figure ready to render: an ECharts option and its size in CSS pixels. */
export interface Figure {
  /** File-name-safe identifier (`timeline`, `objective-vs-c0`, ...). */
  id: string;
  title: string;
  /** One or two sentences saying how to read it. */
  caption: string;
  option: echarts.EChartsCoreOption;
  width: number;
  height: number;
}

/** Renders a figure to a standalone SVG document. */
export function renderSvg(figure: Figure): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: figure.width, height: figure.height });
  try {
    // Animation off: server-side rendering must capture the final frame, not the first one.
    chart.setOption({ animation: false, backgroundColor: '#ffffff', ...figure.option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/**
 * Makes an SVG scale to its container (width 100 %, height from its aspect ratio) for inlining in HTML; the
 * viewBox ECharts writes keeps the drawing intact.
 */
export function responsiveSvg(svg: string, title: string): string {
  return svg.replace(/^<svg width="\d+(?:\.\d+)?" height="\d+(?:\.\d+)?"/, `<svg role="img" aria-label="${escapeAttr(title)}" style="width:100%;height:auto"`);
}

/**
 * Rasterises an SVG to PNG at `scale` times its size. Text uses the system's fonts (ECharts asks for
 * `sans-serif`, which resvg maps to DejaVu Sans, present wherever Chromium's Debian package is).
 */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
