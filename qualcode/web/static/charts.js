/* qualcode workbench: small charts drawn as inline SVG (no library, nothing from the network).
   Labels reach the SVG through textContent only. */
"use strict";

const QCCharts = (() => {
  const NS = "http://www.w3.org/2000/svg";

  function s(tag, attrs, text) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function clip(label, n) { label = String(label); return label.length > n ? label.slice(0, n - 1) + "…" : label; }

  /* white -> blue, by the share of the largest value */
  function shade(v, max) {
    if (!v) return "#f4f6fa";
    const t = Math.sqrt(v / (max || 1));
    const r = Math.round(232 - t * (232 - 38)), g = Math.round(238 - t * (238 - 84)), b = Math.round(252 - t * (252 - 166));
    return `rgb(${r},${g},${b})`;
  }

  /* rows x cols heat map: one rect.cell per cell, the count inside; onCell(i, j) on click. The
     cells grow to use the box's width (up to 56 px); the slanted column labels get the room they
     need on the right, so the last one is not cut. */
  function heatmap(box, { rows, cols, values, onCell, colColors, title }) {
    const rowW = Math.min(200, 20 + 7.5 * Math.max(4, ...rows.map((r) => clip(r, 24).length)));
    const colH = Math.min(190, 14 + 6.2 * Math.max(4, ...cols.map((c) => clip(c, 30).length)));
    const slant = Math.ceil((colH - 6) / Math.tan(55 * Math.PI / 180)) + 8;   // a label's run to the right
    const room = (box.clientWidth || 0) - rowW - slant - 4;
    const cell = Math.max(cols.length > 40 ? 18 : 26, Math.min(56, Math.floor(room / Math.max(1, cols.length))));
    const width = rowW + cols.length * cell + slant, height = colH + rows.length * cell + 8;
    const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "heatmap", role: "img" });
    if (title) svg.append(s("title", {}, title));
    let max = 0;
    values.forEach((r) => r.forEach((v) => { if (v > max) max = v; }));
    cols.forEach((c, j) => {
      const x = rowW + j * cell + cell / 2;
      const t = s("text", { x, y: colH - 6, transform: `rotate(-55 ${x} ${colH - 6})`, class: "col-label" }, clip(c, 30));
      t.append(s("title", {}, c));
      svg.append(t);
      if (colColors && colColors[j]) svg.append(s("rect", { x: rowW + j * cell + 2, y: colH - 3, width: cell - 4, height: 3, fill: colColors[j] }));
    });
    rows.forEach((r, i) => {
      const y = colH + i * cell;
      svg.append(s("text", { x: rowW - 6, y: y + cell / 2 + 4, class: "row-label", "text-anchor": "end" }, clip(r, 24)));
      cols.forEach((c, j) => {
        const v = values[i][j];
        const g = s("g", { class: "cell-g" + (v && onCell ? " clickable" : "") });
        const rect = s("rect", { x: rowW + j * cell + 1, y: y + 1, width: cell - 2, height: cell - 2, rx: 3, fill: shade(v, max), class: "cell", "data-row": i, "data-col": j, "data-value": v });
        rect.append(s("title", {}, `${r} · ${c}: ${v}`));
        g.append(rect);
        if (v) g.append(s("text", { x: rowW + j * cell + cell / 2, y: y + cell / 2 + 4, "text-anchor": "middle", class: "cell-num" + (v / (max || 1) > 0.45 ? " light" : "") }, String(v)));
        if (v && onCell) g.addEventListener("click", () => onCell(i, j));
        svg.append(g);
      });
    });
    QC.fill(box, svg);
    return svg;
  }

  /* horizontal bars with an interval whisker each: items [{label, value, low, high, flag, title}] */
  function intervals(box, items, { min = -0.2, max = 1, label = "" } = {}) {
    const rowH = 22, labelW = 230, plotW = 420, top = 26, valueW = 112;   // "-0.00 · low n" fits
    const height = top + items.length * rowH + 24, width = labelW + plotW + valueW;
    const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "intervals", role: "img" });
    const x = (v) => labelW + ((Math.max(min, Math.min(max, v)) - min) / (max - min)) * plotW;
    for (const t of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
      svg.append(s("line", { x1: x(t), x2: x(t), y1: top - 6, y2: height - 20, class: t === 0 ? "axis zero" : "axis" }));
      svg.append(s("text", { x: x(t), y: height - 6, "text-anchor": "middle", class: "tick" }, t.toFixed(1)));
    }
    svg.append(s("text", { x: labelW, y: 14, class: "axis-title" }, label));
    items.forEach((it, i) => {
      const y = top + i * rowH;
      svg.append(s("text", { x: labelW - 8, y: y + rowH / 2 + 4, "text-anchor": "end", class: "row-label" + (it.pooled ? " pooled" : "") }, clip(it.label, 34)));
      if (it.value === null || it.value === undefined || Number.isNaN(it.value)) {
        svg.append(s("text", { x: x(0) + 6, y: y + rowH / 2 + 4, class: "tick" }, "not defined"));
        return;
      }
      const bar = s("rect", { x: Math.min(x(0), x(it.value)), y: y + 5, width: Math.max(1, Math.abs(x(it.value) - x(0))), height: rowH - 10, rx: 2, class: "bar" + (it.flag ? " low" : "") + (it.pooled ? " pooled" : "") });
      bar.append(s("title", {}, it.title || `${it.label}: ${it.value.toFixed(3)}`));
      svg.append(bar);
      if (it.low !== null && it.low !== undefined && !Number.isNaN(it.low)) {
        const cy = y + rowH / 2;
        svg.append(s("line", { x1: x(it.low), x2: x(it.high), y1: cy, y2: cy, class: "whisker" }));
        svg.append(s("line", { x1: x(it.low), x2: x(it.low), y1: cy - 5, y2: cy + 5, class: "whisker" }));
        svg.append(s("line", { x1: x(it.high), x2: x(it.high), y1: cy - 5, y2: cy + 5, class: "whisker" }));
      }
      svg.append(s("text", { x: labelW + plotW + 8, y: y + rowH / 2 + 4, class: "val" + (it.flag ? " low" : "") }, QCUtil.fmt(it.value, 2) + (it.flag ? " · low n" : "")));
    });
    QC.fill(box, svg);
    return svg;
  }

  return { heatmap, intervals, shade };
})();
