/* Charts for the training pages, drawn on <canvas> with no library.
 *
 * drawChart draws a line chart over epochs (the loss and accuracy curves of a training job);
 * confusionGrid lays out a confusion matrix image with its labels and counts. Plain script (no
 * build step): it defines window.Chorus.chart and needs window.Chorus.ui (ui.js) loaded first.
 */
(function () {
  "use strict";

  const Chorus = window.Chorus;
  const { ui } = Chorus;
  const { node } = ui;

  // Chart colours: training solid, validation dashed; tests look for these on the canvas.
  const CHART = {
    background: "#ffffff",
    grid: "#e9ecf2",
    axis: "#8a94a8",
    text: "#5b6475",
    title: "#1d2330",
    train: "#3056d3",
    validation: "#e8590c",
    font: "12px system-ui, -apple-system, 'Segoe UI', sans-serif",
    titleFont: "600 13px system-ui, -apple-system, 'Segoe UI', sans-serif",
    margin: { top: 36, right: 18, bottom: 42, left: 58 },
    markersUpTo: 40, // epochs; beyond this the lines alone are clearer
  };

  const LEGEND_SAMPLE = 26; // px: the line sample and the space after it
  const LEGEND_GAP = 16; // px between legend entries
  const LEGEND_LINE = 20; // px: the extra line a legend takes when it does not fit beside the title

  /** Round a positive span to 1, 2 or 5 times a power of ten. */
  function niceStep(span, count) {
    const raw = span / Math.max(1, count);
    const power = 10 ** Math.floor(Math.log10(raw));
    const scaled = raw / power;
    return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
  }

  /**
   * A line chart: `series` = [{label, color, dash, points: [[epoch, value], ...]}].
   * x runs over epochs 1..xMax; y from 0 to yMax (rounded up to a tick) unless fixed.
   * `yFormat(value, step)` labels the ticks, `valueFormat(value)` the latest values in the legend.
   */
  function drawChart(canvas, { title, yLabel, series, xMax, yFixedMax = null, yTicks = 5, yFormat, valueFormat, emptyText, xScale = null, marks = [] }) {
    const { ratio, width, height } = ui.fitCanvas(canvas);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const m = CHART.margin;

    // Title top left, legend (with each series' latest value) top right; on a narrow canvas the
    // legend moves to a second line above the plot.
    ctx.font = CHART.titleFont;
    const titleWidth = ctx.measureText(title).width;
    ctx.font = CHART.font;
    const legend = series.map((s) => {
      const last = s.points.length ? s.points[s.points.length - 1][1] : null;
      const text = last === null ? s.label : `${s.label} ${valueFormat(last)}`;
      return { ...s, text, width: ctx.measureText(text).width };
    });
    const legendWidth = legend.reduce((sum, entry) => sum + entry.width + LEGEND_SAMPLE + LEGEND_GAP, -LEGEND_GAP);
    const oneLine = m.left + titleWidth + 24 + legendWidth <= width - m.right;
    const titleY = m.top / 2;
    const legendY = oneLine ? titleY : titleY + LEGEND_LINE;
    const top = oneLine ? m.top : m.top + LEGEND_LINE;
    const plot = { x: m.left, y: top, w: Math.max(10, width - m.left - m.right), h: Math.max(10, height - top - m.bottom) };
    ctx.fillStyle = CHART.background;
    ctx.fillRect(0, 0, width, height);

    const values = series.flatMap((s) => s.points.map((p) => p[1]));
    let yMax = yFixedMax;
    let yStep;
    if (yMax === null) {
      const top = values.length ? Math.max(...values) : 1;
      yStep = niceStep(top > 0 ? top : 1, yTicks);
      yMax = Math.max(yStep, Math.ceil(top / yStep - 1e-9) * yStep);
    } else {
      yStep = yMax / yTicks;
    }
    // x: epochs 1..xMax unless `xScale` = {min, max, log, ticks, label, format} says otherwise (a DET curve's FA/h).
    const xEnd = Math.max(2, xMax || 2);
    const xs = xScale || { min: 1, max: xEnd, log: false, ticks: null, label: "epoch", format: String };
    const toX = (v) => (xs.log ? Math.log10(Math.min(Math.max(v, xs.min), xs.max)) : v);
    const px = (x) => plot.x + ((toX(x) - toX(xs.min)) / (toX(xs.max) - toX(xs.min))) * plot.w;
    const py = (y) => plot.y + plot.h - (Math.min(Math.max(y, 0), yMax) / yMax) * plot.h;

    ctx.font = CHART.font;
    ctx.lineWidth = 1;

    // y grid, ticks and labels
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (let i = 0; i * yStep <= yMax + 1e-9; i++) {
      const y = Math.round(py(i * yStep)) + 0.5;
      ctx.strokeStyle = i === 0 ? CHART.axis : CHART.grid;
      ctx.beginPath();
      ctx.moveTo(plot.x - 4, y);
      ctx.lineTo(plot.x + plot.w, y);
      ctx.stroke();
      ctx.fillStyle = CHART.text;
      ctx.fillText(yFormat(i * yStep, yStep), plot.x - 7, y);
    }

    // x ticks: whole epochs, at most about 10 of them (or the scale's own)
    let xTicks = xs.ticks;
    if (!xTicks) {
      const xStep = Math.max(1, niceStep(xEnd - 1, 10));
      xTicks = [1];
      for (let x = xStep; x <= xEnd; x += xStep) if (x > 1) xTicks.push(x);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.strokeStyle = CHART.axis;
    for (const x of xTicks) {
      const X = Math.round(px(x)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(X, plot.y + plot.h);
      ctx.lineTo(X, plot.y + plot.h + 4);
      ctx.stroke();
      ctx.fillStyle = CHART.text;
      ctx.fillText(xs.format(x), X, plot.y + plot.h + 7);
    }
    ctx.beginPath(); // y axis line
    ctx.moveTo(plot.x + 0.5, plot.y);
    ctx.lineTo(plot.x + 0.5, plot.y + plot.h);
    ctx.stroke();

    // axis labels and title
    ctx.fillStyle = CHART.text;
    ctx.fillText(xs.label, plot.x + plot.w / 2, plot.y + plot.h + 24);
    ctx.save();
    ctx.translate(14, plot.y + plot.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(yLabel, 0, 0);
    ctx.restore();
    ctx.font = CHART.titleFont;
    ctx.fillStyle = CHART.title;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    ctx.fillText(title, plot.x, titleY);

    ctx.font = CHART.font;
    let lx = Math.max(plot.x, plot.x + plot.w - legendWidth);
    for (const entry of legend) {
      ctx.strokeStyle = entry.color;
      ctx.lineWidth = 2;
      ctx.setLineDash(entry.dash || []);
      ctx.beginPath();
      ctx.moveTo(lx, legendY);
      ctx.lineTo(lx + LEGEND_SAMPLE - 6, legendY);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.lineWidth = 1;
      ctx.fillStyle = CHART.text;
      ctx.fillText(entry.text, lx + LEGEND_SAMPLE, legendY);
      lx += LEGEND_SAMPLE + entry.width + LEGEND_GAP;
    }

    // the lines
    const count = Math.max(0, ...series.map((s) => s.points.length));
    for (const s of series) {
      if (!s.points.length) continue;
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = 2;
      ctx.lineJoin = "round";
      ctx.setLineDash(s.dash || []);
      ctx.beginPath();
      s.points.forEach(([x, y], i) => (i ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
      ctx.stroke();
      ctx.setLineDash([]);
      if (count <= CHART.markersUpTo) {
        for (const [x, y] of s.points) {
          ctx.beginPath();
          ctx.arc(px(x), py(y), 3, 0, 2 * Math.PI);
          ctx.fill();
        }
      }
    }
    ctx.lineWidth = 1;

    // marked points (the chosen operating point): a ring and its label
    for (const mark of marks) {
      ctx.strokeStyle = mark.color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(px(mark.x), py(mark.y), 7, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.lineWidth = 1;
      ctx.fillStyle = mark.color;
      ctx.textAlign = "left";
      ctx.textBaseline = "bottom";
      ctx.fillText(mark.label, Math.min(px(mark.x) + 9, plot.x + plot.w - ctx.measureText(mark.label).width), py(mark.y) - 6);
    }

    if (!count && emptyText) {
      ctx.fillStyle = CHART.text;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(emptyText, plot.x + plot.w / 2, plot.y + plot.h / 2);
    }
    canvas.dataset.epochsDrawn = String(count);
  }

  /** One value per epoch from a job's `history` records, as chart points: [[epoch, value], ...]. */
  function seriesOf(history, key) {
    return history.filter((r) => Number.isFinite(r[key])).map((r) => [r.epoch, r[key]]);
  }

  /**
   * A confusion matrix shown as a grid: the matrix `image` (a PNG with neither labels nor counts)
   * across the cells, the labels around it, and each cell's count over it. Rows are true labels.
   */
  function confusionGrid(grid, image, labels, matrix) {
    const n = labels.length;
    grid.replaceChildren(image); // moving the image does not reload it
    if (!n || !Array.isArray(matrix) || matrix.length !== n) return;
    grid.style.setProperty("--classes", String(n));
    image.style.gridArea = `2 / 2 / span ${n} / span ${n}`;
    const place = (item, row, column) => {
      item.style.gridArea = `${row} / ${column}`;
      grid.append(item);
    };
    labels.forEach((label, i) => {
      place(node("span", { className: "cm-label cm-column", textContent: label, title: `predicted ${label}` }), 1, i + 2);
      place(node("span", { className: "cm-label cm-row", textContent: label, title: `true ${label}` }), i + 2, 1);
    });
    matrix.forEach((row, r) => {
      const total = row.reduce((sum, count) => sum + count, 0);
      row.forEach((count, c) => {
        const cell = node("span", { className: "cm-count", textContent: String(count) });
        cell.dataset.row = String(r);
        cell.dataset.column = String(c);
        if (total && count / total > 0.5) cell.classList.add("dark");
        if (!count) cell.classList.add("zero");
        place(cell, r + 2, c + 2);
      });
    });
  }

  Chorus.chart = { STYLE: CHART, niceStep, drawChart, seriesOf, confusionGrid };
})();
