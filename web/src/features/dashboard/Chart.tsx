import type { BarSeriesOption, PieSeriesOption } from 'echarts/charts';
import { BarChart, PieChart } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

// Only what the dashboard draws: bars, pies, their grid, legend and tooltip, on a canvas. This module is the
// only importer of ECharts, and only the dashboard's page loads it (as a chunk of its own), so no other does.
echarts.use([BarChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = echarts.ComposeOption<
  BarSeriesOption | PieSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>;

interface Props {
  option: ChartOption;
  height: number;
  /** Where a click on a bar or slice goes: by its series and its index in the data. */
  onPick: (seriesIndex: number, dataIndex: number) => void;
  /** The axis of a bar chart's categories: a click anywhere in a category's band picks it (in the first series). */
  categoryAxis?: 'x' | 'y';
  /** Called each time the chart has been drawn. */
  onDrawn: () => void;
  testId: string;
}

/**
 * One ECharts chart. It is a picture only (hidden from screen readers): its numbers and links are in the
 * table the page puts beside it. Drawn without animation, so that the numbers are there at once.
 */
export function Chart({ option, height, onPick, categoryAxis, onDrawn, testId }: Props) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts>(null);
  const latest = useRef({ onPick, categoryAxis, onDrawn });
  useEffect(() => {
    latest.current = { onPick, categoryAxis, onDrawn };
  });

  useEffect(() => {
    const instance = echarts.init(element.current!, undefined, { renderer: 'canvas' });
    chart.current = instance;
    instance.on('finished', () => latest.current.onDrawn());
    instance.on('click', (params) => latest.current.onPick(params.seriesIndex ?? 0, params.dataIndex));
    const band = (x: number, y: number): number | undefined => {
      const axis = latest.current.categoryAxis;
      if (!axis || !instance.containPixel({ gridIndex: 0 }, [x, y])) return undefined;
      const [onX, onY] = instance.convertFromPixel({ gridIndex: 0 }, [x, y]) as number[];
      return Math.round(axis === 'x' ? onX! : onY!);
    };
    const zr = instance.getZr();
    zr.on('click', (event) => {
      if (event.target) return; // a bar's own click, above
      const index = band(event.offsetX, event.offsetY);
      if (index !== undefined) latest.current.onPick(0, index);
    });
    zr.on('mousemove', (event) => {
      if (!event.target && band(event.offsetX, event.offsetY) !== undefined) zr.setCursorStyle('pointer');
    });
    // Drawn again when its box changes size, not when the observer first reports the size it was drawn at.
    let size = [instance.getWidth(), instance.getHeight()];
    const resized = new ResizeObserver(() => {
      const now = [element.current!.clientWidth, element.current!.clientHeight];
      if (now[0] === size[0] && now[1] === size[1]) return;
      size = now;
      instance.resize();
    });
    resized.observe(element.current!);
    return () => {
      resized.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption({ animation: false, ...option }, { notMerge: true });
  }, [option]);

  return <div ref={element} aria-hidden="true" data-testid={testId} style={{ width: '100%', height }} />;
}
