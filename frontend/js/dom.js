// Building the page: elements, tables, form fields and the page frame.
import { t } from "./format.js";

export const h = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
};
const SVG = "http://www.w3.org/2000/svg";
export const s = (tag, attrs = {}, text) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
};
export const main = () => document.getElementById("main");
export const announce = (text) => {
  const live = document.getElementById("live");
  live.textContent = "";
  setTimeout(() => { live.textContent = text; }, 50);
};
export const table = (headers, rows, attrs = {}) =>
  h("div", { class: "table-wrap" },
    h("table", attrs,
      h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col", text: x })))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", {}, c))))))));
export const field = (id, label, input, hint) =>
  h("div", { class: "field" }, h("label", { for: id, text: label }), input, hint ? h("p", { class: "hint", id: `${id}-hint`, text: hint }) : null,
    h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" }));
export const input = (id, attrs = {}) => h("input", { id, name: id, ...attrs });
export const select = (id, options, value) =>
  h("select", { id, name: id }, options.map(([v, label]) => h("option", { value: v, selected: v === value, text: label })));
export const badge = (status) => h("span", { class: `badge badge-${status}`, text: t(`status.${status}`) });

export const page = (title, ...content) => {
  document.title = `${title} — Seika`;
  const heading = h("h1", { tabindex: "-1", id: "page-title", text: title });
  main().replaceChildren(heading, ...content.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  heading.focus();
};
export const loading = () => main().replaceChildren(h("p", { text: t("common.loading") }));
