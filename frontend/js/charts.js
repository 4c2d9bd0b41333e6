// Charts drawn as SVG, each with the table of its figures (readable without colour).
import { h, s, table } from "./dom.js";
import { date, localName, metricValue, money, percent, t } from "./format.js";

const figure = (caption, svg, tableEl) =>
  h("figure", { class: "chart" }, h("figcaption", { text: caption }), svg,
    h("details", {}, h("summary", { text: t("common.textEquivalent") }), tableEl));

/** Cumulative amounts against the maximum; by default computed amounts by due date, or (on the
 * public page) payments made, with their own caption and column. */
export const paymentsChart = (points, cap, currency, labels = { caption: "project.paymentsChart", amount: "project.computed", when: "run.tranche" }) => {
  const width = 560, height = 220, left = 110, bottom = 40, top = 16;
  const max = Math.max(Number(cap || 0), ...points.map((p) => Number(p.cumulative)), 1);
  const y = (v) => top + (height - top - bottom) * (1 - Number(v) / max);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": t(labels.caption), class: "svg-chart" });
  const defs = s("defs");
  const pattern = s("pattern", { id: "hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
  pattern.append(s("rect", { width: 6, height: 6, fill: "#0b5cad" }), s("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#ffffff", "stroke-width": 2 }));
  defs.append(pattern);
  svg.append(defs, s("line", { x1: left, y1: height - bottom, x2: width - 10, y2: height - bottom, stroke: "#1b1f24" }));
  const slot = (width - left - 20) / Math.max(points.length, 1);
  points.forEach((p, i) => {
    const x = left + i * slot + slot * 0.2;
    svg.append(s("rect", { x, y: y(p.cumulative), width: slot * 0.6, height: height - bottom - y(p.cumulative), fill: "url(#hatch)", stroke: "#0b5cad" }));
    svg.append(s("text", { x: x + slot * 0.3, y: y(p.cumulative) - 4, "text-anchor": "middle", class: "chart-label" }, money(p.cumulative, currency)));
    svg.append(s("text", { x: x + slot * 0.3, y: height - bottom + 16, "text-anchor": "middle", class: "chart-label" }, date(p.date)));
  });
  if (cap) {
    svg.append(s("line", { x1: left, y1: y(cap), x2: width - 10, y2: y(cap), stroke: "#b3261e", "stroke-width": 2, "stroke-dasharray": "6 4" }));
    svg.append(s("text", { x: 4, y: y(cap) + 16, class: "chart-label" }, t("project.cap").split(" (")[0]));
    svg.append(s("text", { x: 4, y: y(cap) + 30, class: "chart-label" }, money(cap, currency)));
  }
  const rows = points.map((p) => [date(p.date), money(p.amount, currency), money(p.cumulative, currency), p.room !== null ? money(p.room, currency) : t("common.none")]);
  return figure(t(labels.caption), svg, table([t(labels.when), t(labels.amount), t("portfolio.cumulative"), t("project.headroom")], rows));
};

export const achievementChart = (metrics) => {
  const rows = metrics.filter((m) => m.ratio !== null);
  const width = 560, rowHeight = 34, left = 200, height = rows.length * rowHeight + 30;
  const scale = (r) => left + (width - left - 60) * Math.min(r, 1.5) / 1.5;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": t("project.achievementChart"), class: "svg-chart" });
  rows.forEach((m, i) => {
    const yPos = 10 + i * rowHeight;
    svg.append(s("text", { x: 4, y: yPos + 16, class: "chart-label" }, m.label.slice(0, 28)));
    svg.append(s("rect", { x: left, y: yPos + 4, width: Math.max(scale(m.ratio) - left, 1), height: 18, fill: m.ratio >= 1 ? "#1a7f37" : "#9a6700" }));
    svg.append(s("text", { x: scale(m.ratio) + 4, y: yPos + 18, class: "chart-label" }, `${percent(m.ratio)}${m.ratio >= 1 ? " ✓" : ""}`));
  });
  svg.append(s("line", { x1: scale(1), y1: 0, x2: scale(1), y2: height - 16, stroke: "#1b1f24", "stroke-dasharray": "4 3" }));
  svg.append(s("text", { x: scale(1), y: height - 2, "text-anchor": "middle", class: "chart-label" }, `${t("project.target")} 100%`));
  return figure(t("project.achievementChart"), svg,
    table([t("project.metric"), t("project.latest"), t("project.target"), t("project.achievement")], rows.map((m) => [m.label, metricValue(m.unit, m.value), metricValue(m.unit, m.target), percent(m.ratio)])));
};

/** Each metric's achievement at each tranche with a verified value, by due date, against the
 *  target (100 %); series told apart by marker shape and dash, not colour alone. */
export const achievementHistoryChart = (terms, figures) => {
  const series = figures.metrics.filter((m) => m.history && m.history.some((p) => p.achievement !== null));
  if (!series.length) return null;
  const dates = [...new Set(series.flatMap((m) => m.history.map((p) => p.due_on)))].sort();
  const width = 560, height = 240, left = 60, top = 16, bottom = 40;
  const values = series.flatMap((m) => m.history.filter((p) => p.achievement !== null).map((p) => Number(p.achievement)));
  const max = Math.max(1.2, ...values), min = Math.min(0, ...values);
  const y = (v) => top + (height - top - bottom) * (max - v) / (max - min || 1);
  const x = (d) => left + (width - left - 30) * (dates.length > 1 ? dates.indexOf(d) / (dates.length - 1) : 0.5);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": t("project.achievementHistory"), class: "svg-chart" });
  svg.append(s("line", { x1: left, y1: y(1), x2: width - 10, y2: y(1), stroke: "#1b1f24", "stroke-dasharray": "4 3" }),
    s("text", { x: 2, y: y(1) + 4, class: "chart-label" }, `${t("project.target")} 100%`));
  dates.forEach((d) => svg.append(s("text", { x: x(d), y: height - bottom + 18, "text-anchor": "middle", class: "chart-label" }, date(d))));
  const dashes = ["", "6 3", "2 3", "8 3 2 3"];
  const name = (id) => localName((terms.metrics.find((m) => m.id === id) || { name: { ja: id, en: id } }).name, "ja", "en");
  series.forEach((m, i) => {
    const points = m.history.filter((p) => p.achievement !== null);
    svg.append(s("path", { d: points.map((p, j) => `${j ? "L" : "M"}${x(p.due_on)},${y(Number(p.achievement))}`).join(" "), fill: "none", stroke: "#0b5cad", "stroke-width": 2, "stroke-dasharray": dashes[i % dashes.length] }));
    points.forEach((p) => svg.append(i % 2
      ? s("rect", { x: x(p.due_on) - 5, y: y(Number(p.achievement)) - 5, width: 10, height: 10, fill: "#0b5cad" })
      : s("circle", { cx: x(p.due_on), cy: y(Number(p.achievement)), r: 5, fill: "#0b5cad" })));
    const last = points[points.length - 1];
    svg.append(s("text", { x: x(last.due_on) + 8, y: y(Number(last.achievement)) - 8, class: "chart-label" }, name(m.metric).slice(0, 24)));
  });
  const unitOf = (id) => (terms.metrics.find((m) => m.id === id) || {}).unit;
  const rows = series.flatMap((m) => m.history.map((p) => [name(m.metric), p.tranche, date(p.due_on), metricValue(unitOf(m.metric), p.value), p.achievement === null ? t("common.none") : percent(Number(p.achievement))]));
  return figure(t("project.achievementHistory"), svg, table([t("project.metric"), t("run.tranche"), t("new.dueOn"), t("project.latest"), t("project.achievement")], rows, { id: "achievement-history" }));
};

export const cashFlowChart = (flows, currency) => {
  const width = 560, height = 220, left = 110, top = 14, bottom = 36;
  // The server computes every amount and running total; numbers here only place the points.
  const points = flows;
  const values = [0, ...points.map((p) => Number(p.cumulative))];
  const min = Math.min(...values), max = Math.max(...values, 1);
  const y = (v) => top + (height - top - bottom) * (max - v) / (max - min || 1);
  const x = (i) => left + (width - left - 60) * (points.length > 1 ? i / (points.length - 1) : 0.5);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": t("portfolio.cashFlowChart"), class: "svg-chart" });
  svg.append(s("line", { x1: left, y1: y(0), x2: width - 10, y2: y(0), stroke: "#1b1f24", "stroke-dasharray": "4 3" }));
  svg.append(s("text", { x: 4, y: y(0) + 4, class: "chart-label" }, money("0", currency)));
  const path = points.map((p, i) => `${i ? "L" : "M"}${x(i)},${y(Number(p.cumulative))}`).join(" ");
  svg.append(s("path", { d: path, fill: "none", stroke: "#0b5cad", "stroke-width": 2 }));
  points.forEach((p, i) => {
    const marker = p.kind === "drawdown" ? s("rect", { x: x(i) - 5, y: y(Number(p.cumulative)) - 5, width: 10, height: 10, fill: "#b3261e" }) : s("circle", { cx: x(i), cy: y(Number(p.cumulative)), r: 5, fill: "#1a7f37" });
    svg.append(marker, s("text", { x: x(i), y: height - bottom + 16, "text-anchor": "middle", class: "chart-label" }, date(p.date)));
  });
  return figure(t("portfolio.cashFlowChart"), svg,
    table([t("portfolio.date"), t("portfolio.flow"), t("portfolio.cumulative")], points.map((p) => [date(p.date), `${money(p.amount, currency)} (${t(`portfolio.flow.${p.kind}`)})`, money(p.cumulative, currency)])));
};
