// Seika's web frontend: a small single-page app over Seika's own JSON API. No build step and no
// external resources: the binary embeds this file as it is.
"use strict";

(() => {
  const TEXTS = window.SEIKA_TEXTS;
  const store = window.sessionStorage;
  const state = {
    lang: localStorage.getItem("seika.lang") || ((navigator.language || "en").startsWith("ja") ? "ja" : "en"),
    token: store.getItem("seika.token"),
    user: JSON.parse(store.getItem("seika.user") || "null"),
    /** Dates also in the Japanese era (令和6年4月1日), a display setting kept in this browser. */
    wareki: localStorage.getItem("seika.wareki") === "1",
  };

  // ---- Texts and formats ------------------------------------------------------------------

  const t = (key, params = {}) => {
    const text = TEXTS[state.lang][key] ?? TEXTS.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => params[name] ?? "");
  };
  const locale = () => (state.lang === "ja" ? "ja-JP" : "en-GB");
  const money = (amount, currency) => {
    if (amount === null || amount === undefined || amount === "") return t("common.none");
    const formatted = new Intl.NumberFormat(locale(), { style: "currency", currency, currencyDisplay: "narrowSymbol" }).format(amount);
    return formatted.replace("￥", "¥");
  };
  /** An amount the server withheld (null) because it would reveal another investor's position. */
  const orWithheld = (amount, currency) => (amount === null ? t("dist.withheld") : money(amount, currency));
  const number = (value) => (value === null || value === undefined ? t("common.none") : new Intl.NumberFormat(locale(), { maximumFractionDigits: 4 }).format(value));
  const percent = (ratio, digits = 1) => new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: digits }).format(ratio);
  const eraFormat = (options) => new Intl.DateTimeFormat("ja-JP-u-ca-japanese", { era: "long", ...options });
  /** A day as people read it: 西暦, or with the display setting on, 令和6年4月1日 (Japanese) or
   *  1 Apr 2024 (令和6年) (English). Only formatting: the day itself is the server's. */
  const date = (iso) => {
    if (!iso) return t("common.none");
    const day = new Date(`${iso.slice(0, 10)}T00:00:00`);
    const western = new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(day);
    if (!state.wareki) return western;
    const era = eraFormat({ year: "numeric", month: "long", day: "numeric" }).format(day);
    return state.lang === "ja" ? era : `${western} (${eraFormat({ year: "numeric" }).format(day)})`;
  };
  const dateTime = (iso) => new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(`${iso}Z`));
  /** A fiscal year (April–March): 2024年度 or FY2024, with the era setting 令和6年度 (FY2024). */
  const fyLabel = (year) => {
    const western = state.lang === "ja" ? `${year}年度` : `FY${year}`;
    if (!state.wareki) return western;
    const era = `${eraFormat({ year: "numeric" }).format(new Date(`${year}-04-01T00:00:00`)).replace(/年$/, "")}年度`;
    return state.lang === "ja" ? era : `${western} (${era})`;
  };
  const localName = (obj, ja = "name_ja", en = "name_en") => (state.lang === "ja" ? obj[ja] : obj[en]) || obj[en] || obj[ja];
  const titleOf = (p) => localName(p, "title_ja", "title_en");
  /** A tranche's or a component's name: one text, or {ja, en} in the interface language. */
  const partName = (name, fallback) => (!name ? fallback : typeof name === "object" ? localName(name, "ja", "en") || fallback : name);
  /** The names of a contract's parts by their ids: metrics, tranches, milestones, priced outcomes. */
  const namesOf = (terms) => {
    const rules = ((terms && terms.components) || []).map((c) => c.rule || {});
    const metric = (id) => { const m = ((terms && terms.metrics) || []).find((x) => x.id === id); return m ? partName(m.name, id) : id; };
    const milestone = (id) => partName((rules.find((r) => r.milestone === id && r.milestone_name) || {}).milestone_name, id);
    return {
      metric,
      milestone,
      tranche: (id) => partName((((terms && terms.tranches) || []).find((x) => x.id === id) || {}).name, id),
      outcome: (o) => partName((rules.flatMap((r) => r.outcomes || []).find((x) => x.outcome === o && x.name) || {}).name, o),
      /** A stored result or milestone record's metric by its name. */
      record: (r) => (r.kind === "milestone" ? milestone(r.metric) : metric(r.metric)),
    };
  };
  /** A text the server gives in both languages (`{ja, en}`), in the reader's; `fallback` where
   *  there is none (a run stored by an engine that cannot re-explain it). */
  const said = (words, fallback) => (words ? words[state.lang] || words.en || fallback : fallback);

  // ---- DOM -----------------------------------------------------------------------------------

  const h = (tag, attrs = {}, ...children) => {
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
  const s = (tag, attrs = {}, text) => {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    return el;
  };
  const main = () => document.getElementById("main");
  const announce = (text) => {
    const live = document.getElementById("live");
    live.textContent = "";
    setTimeout(() => { live.textContent = text; }, 50);
  };
  const table = (headers, rows, attrs = {}) =>
    h("div", { class: "table-wrap" },
      h("table", attrs,
        h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col", text: x })))),
        h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", {}, c))))))));
  const field = (id, label, input, hint) =>
    h("div", { class: "field" }, h("label", { for: id, text: label }), input, hint ? h("p", { class: "hint", id: `${id}-hint`, text: hint }) : null,
      h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" }));
  const input = (id, attrs = {}) => h("input", { id, name: id, ...attrs });
  const select = (id, options, value) =>
    h("select", { id, name: id }, options.map(([v, label]) => h("option", { value: v, selected: v === value, text: label })));
  const badge = (status) => h("span", { class: `badge badge-${status}`, text: t(`status.${status}`) });

  // ---- API -------------------------------------------------------------------------------------

  // One Idempotency-Key per submission, kept on the form (or button): a retry of the same content
  // (after a network error or a double click) reuses it, so the server creates the record once;
  // different content, or a success, starts a new submission.
  const submissionKey = (holder, content) => {
    if (holder.dataset.submissionContent !== content || !holder.dataset.submissionKey) {
      holder.dataset.submissionContent = content;
      holder.dataset.submissionKey = globalThis.crypto && crypto.randomUUID
        ? crypto.randomUUID()
        : `ui-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    }
    return holder.dataset.submissionKey;
  };
  const submissionDone = (holder) => {
    delete holder.dataset.submissionKey;
    delete holder.dataset.submissionContent;
  };

  const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  /** The media type of a table the user picked: an Excel workbook or CSV. */
  const tableType = (file) => (/\.xlsx$/i.test(file.name) ? XLSX_TYPE : "text/csv");
  const api = async (method, path, body, { csv = false, contentType = null, headers = {} } = {}) => {
    // Problems come back in the interface's language.
    const init = { method, headers: { "accept-language": state.lang, ...headers } };
    if (state.token) init.headers.authorization = `Bearer ${state.token}`;
    if (body !== undefined) {
      const raw = csv || contentType;
      init.headers["content-type"] = contentType || (csv ? "text/csv" : "application/json");
      init.body = raw ? body : JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(`/api/v1${path}`, init);
    } catch (_) {
      return { ok: false, status: 0, problem: { type: "/problems/network" } };
    }
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (res.status === 401 && state.token && !path.startsWith("/auth/login")) {
      // Said on the login page: the session ended, which is not a wrong password.
      sessionStorage.setItem("seika.session-ended", "1");
      logout(false);
    }
    return res.ok ? { ok: true, status: res.status, data, etag: res.headers.get("etag") } : { ok: false, status: res.status, problem: data || {} };
  };

  /** Attaches a file as evidence of a record; the server reads its type from its bytes. */
  const attachEvidence = async (project, collection, id, file) => {
    const init = { method: "POST", headers: { authorization: `Bearer ${state.token}`, "accept-language": state.lang, "content-type": "application/octet-stream" }, body: await file.arrayBuffer() };
    try {
      const res = await fetch(`/api/v1/projects/${project}/${collection}/${id}/evidence?name=${encodeURIComponent(file.name)}`, init);
      const text = await res.text();
      return res.ok ? { ok: true } : { ok: false, status: res.status, problem: text ? JSON.parse(text) : {} };
    } catch (_) {
      return { ok: false, status: 0, problem: { type: "/problems/network" } };
    }
  };
  /** Downloads a file from the API with the session's token, under the given name. */
  const download = async (path, fileName, body) => {
    const init = { headers: { authorization: `Bearer ${state.token}`, "accept-language": state.lang } };
    if (body !== undefined) Object.assign(init, { method: "POST", body: JSON.stringify(body), headers: { ...init.headers, "content-type": "application/json" } });
    const res = await fetch(`/api/v1${path}`, init);
    if (!res.ok) return res.json().catch(() => ({})).then((problem) => ({ ok: false, problem }));
    const url = URL.createObjectURL(await res.blob());
    const a = h("a", { href: url, download: fileName });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    return { ok: true };
  };
  /** Downloads an evidence file, as the file it is. */
  const downloadEvidence = (project, file) => download(`/projects/${project}/evidence/${file.id}`, file.file_name);
  const evidenceList = (project, files) => files.length
    ? h("ul", { class: "evidence-files" }, files.map((f) => h("li", {},
      h("button", { type: "button", class: "link", text: f.file_name, onclick: () => downloadEvidence(project, f) }),
      ` (${f.content_type}, ${number(f.size_bytes)} B, SHA-256 `, h("code", { class: "hash", text: f.sha256.slice(0, 16) }), ")")))
    : t("common.none");

  /** Where a problem is, as the server names it in the interface language (a file's row and
   * column, or a field's path). */
  const placeOf = (e) => e.place || e.field;

  /** Follows a queued job to its end; answers as the request would have (its result, or its problem). */
  const jobAnswer = async (job) => {
    while (job.status === "queued" || job.status === "running") {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const polled = await api("GET", `/jobs/${job.id}`);
      if (!polled.ok) return polled;
      job = polled.data;
    }
    if (job.status === "failed") {
      const status = { "validation-failed": 422, conflict: 409, "not-permitted": 403 }[job.problem.kind] || 500;
      return { ok: false, status, problem: { type: `/problems/${job.problem.kind}`, detail: job.problem.detail, errors: job.problem.errors } };
    }
    return { ok: true, status: 200, data: job.result };
  };

  /** A translated error box for a problem+json answer, listing each field. */
  const problemBox = (problem) => {
    const slug = (problem.type || "/problems/network").split("/").pop();
    const errors = problem.errors || [];
    // Every refusal says why in the language asked for (the server's catalogue); a refused form
    // lists its fields instead.
    const reason = slug !== "validation-failed" ? problem.detail || null : null;
    return h("div", { class: "error", role: "alert" },
      h("p", { class: "error-title", text: TEXTS[state.lang][`error.${slug}`] ? t(`error.${slug}`) : t("error.title") }),
      reason ? h("p", { class: "error-reason", text: reason }) : null,
      errors.length ? h("ul", {}, errors.map((e) => h("li", {}, e.field ? h("code", { text: placeOf(e) }) : null, e.field ? " " : null, e.message))) : null);
  };
  const showProblem = (container, problem) => {
    container.replaceChildren(problemBox(problem));
    container.querySelector(".error").focus?.();
  };

  // ---- Session -------------------------------------------------------------------------------

  const logout = async (callServer = true) => {
    if (callServer) sessionStorage.removeItem("seika.session-ended");
    if (callServer && state.token) {
      await api("POST", "/auth/logout", {});
      window.seikaBroadcastLogout?.();
    }
    forgetDraft();
    state.token = null;
    state.user = null;
    store.removeItem("seika.token");
    store.removeItem("seika.user");
    location.hash = "#/login";
    render();
  };

  // ---- Charts (readable without colour: patterns, labels, dashes; each with a table) -----------

  const figure = (caption, svg, tableEl) =>
    h("figure", { class: "chart" }, h("figcaption", { text: caption }), svg,
      h("details", {}, h("summary", { text: t("common.textEquivalent") }), tableEl));

  /** Cumulative amounts against the maximum; by default computed amounts by due date, or (on the
   * public page) payments made, with their own caption and column. */
  const paymentsChart = (points, cap, currency, labels = { caption: "project.paymentsChart", amount: "project.computed", when: "run.tranche" }) => {
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

  const achievementChart = (metrics) => {
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
  const achievementHistoryChart = (terms, figures) => {
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

  const cashFlowChart = (flows, currency) => {
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

  // ---- Views ---------------------------------------------------------------------------------

  const page = (title, ...content) => {
    document.title = `${title} — Seika`;
    const heading = h("h1", { tabindex: "-1", id: "page-title", text: title });
    main().replaceChildren(heading, ...content.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
    heading.focus();
  };
  const loading = () => main().replaceChildren(h("p", { text: t("common.loading") }));

  const viewLogin = () => {
    const errors = h("div", { id: "login-errors" });
    // Kept until the next login (the login page may be drawn twice as the address changes).
    const ended = sessionStorage.getItem("seika.session-ended");
    const form = h("form", { id: "login-form", novalidate: true },
      field("email", t("login.email"), input("email", { type: "email", autocomplete: "username", required: true })),
      field("password", t("login.password"), input("password", { type: "password", autocomplete: "current-password", required: true })),
      h("button", { type: "submit", id: "login-submit", text: t("login.submit") }),
      errors,
      h("p", { class: "hint", text: t("login.demo") }),
      h("p", {}, h("a", { href: "#/reset", id: "reset-link", text: t("reset.link") })),
      h("p", {}, h("a", { href: "#/public", id: "public-projects-link", text: t("pub.listTitle") })));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const res = await api("POST", "/auth/login", { email: form.email.value, password: form.password.value });
      if (!res.ok) return showProblem(errors, res.problem);
      state.token = res.data.access_token;
      state.user = res.data.user;
      store.setItem("seika.token", state.token);
      store.setItem("seika.user", JSON.stringify(state.user));
      sessionStorage.removeItem("seika.session-ended");
      // Where the link pointed before signing in (a page of this app only).
      const wanted = sessionStorage.getItem("seika.after-login");
      sessionStorage.removeItem("seika.after-login");
      location.hash = wanted && wanted.startsWith("#/") && wanted !== "#/login" ? wanted : "#/";
    });
    page(t("login.title"), ended ? h("p", { class: "notice", id: "session-ended", role: "status", text: t("login.sessionEnded") }) : null, form);
  };

  /** Setting a new password with the one-time code an administrator issued (no login). */
  const viewReset = () => {
    const errors = h("div", { id: "reset-errors", "aria-live": "polite" });
    const form = h("form", { id: "reset-form", novalidate: true },
      field("reset-email", t("login.email"), input("reset-email", { type: "email", autocomplete: "username", required: true })),
      field("reset-code", t("reset.code"), input("reset-code", { autocomplete: "one-time-code", required: true }), t("reset.codeHint")),
      field("reset-password", t("account.newPassword"), input("reset-password", { type: "password", autocomplete: "new-password", required: true }), t("admin.passwordHint")),
      h("button", { type: "submit", id: "reset-submit", text: t("reset.submit") }),
      errors);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const res = await api("POST", "/auth/password-reset", { email: form["reset-email"].value.trim(), code: form["reset-code"].value.trim(), new_password: form["reset-password"].value });
      if (!res.ok) return showProblem(errors, res.problem);
      page(t("reset.title"), h("p", { class: "ok", id: "reset-done", role: "status", text: t("reset.done") }), h("p", {}, h("a", { href: "#/login", class: "button", text: t("login.submit") })));
    });
    page(t("reset.title"), h("p", { class: "lead", text: t("reset.lead") }), form);
  };

  /** The signed-in person's account: who they are, and a new password (signed in again with it,
   *  since every older token stops working). */
  const viewAccount = () => {
    const errors = h("div", { id: "account-errors", "aria-live": "polite" });
    const form = h("form", { id: "password-form", novalidate: true },
      field("current-password", t("account.currentPassword"), input("current-password", { type: "password", autocomplete: "current-password", required: true })),
      field("new-password", t("account.newPassword"), input("new-password", { type: "password", autocomplete: "new-password", required: true }), t("admin.passwordHint")),
      h("button", { type: "submit", id: "password-submit", text: t("account.change") }),
      errors);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const fresh = form["new-password"].value;
      const res = await api("POST", "/auth/password", { current_password: form["current-password"].value, new_password: fresh });
      if (!res.ok) return showProblem(errors, res.problem);
      const again = await api("POST", "/auth/login", { email: state.user.email, password: fresh });
      if (!again.ok) return logout(false);
      state.token = again.data.access_token;
      state.user = again.data.user;
      store.setItem("seika.token", state.token);
      store.setItem("seika.user", JSON.stringify(state.user));
      await render();
      announce(t("account.changed"));
    });
    page(t("account.title"),
      h("p", { class: "lead", id: "account-who", text: `${state.user.display_name} · ${state.user.email} · ${t(`role.${state.user.role}`)} · ${localName(state.user.organization)}` }),
      h("h2", { text: t("account.passwordTitle") }), form);
  };

  const projectList = async () => {
    const res = await api("GET", "/projects?per_page=200");
    if (!res.ok) return problemBox(res.problem);
    if (!res.data.items.length) return h("p", { text: t("projects.none") });
    return table([t("projects.title"), t("project.status"), t("project.policyArea"), t("project.code")],
      res.data.items.map((p) => [h("a", { href: `#/projects/${p.id}`, text: titleOf(p) }), badge(p.status), t(`area.${p.policy_area}`), p.code]),
      { id: "project-list" });
  };

  /** What waits for the user, as the server lists it, each item linking to where it is done. */
  const workList = async () => {
    const res = await api("GET", "/work");
    if (!res.ok) return null;
    const w = res.data;
    if (!w.total) return h("p", { id: "work-none", class: "ok", text: t("work.none") });
    const items = [];
    const pt = (p) => localName(p, "title_ja", "title_en");
    if (w.to_verify.length || w.batches_to_verify.length) items.push(h("li", {}, h("a", { href: "#/queue", text: t("work.toVerify", { count: w.to_verify.length + w.batches_to_verify.length }) })));
    for (const r of w.rejected) items.push(h("li", { class: "rejected" }, h("a", { href: `#/projects/${r.project.id}/data`, text: t("work.rejected", { project: pt(r.project), record: localName(r, "label_ja", "label_en") }) }),
      `: ${r.reason || t("common.none")} (${r.rejected_by})`));
    const claimItem = (key) => (c) => h("li", { class: c.overdue ? "overdue" : null }, h("a", { href: `#/projects/${c.project.id}/claims/${c.id}`,
      text: t(key, { project: pt(c.project), tranche: c.tranche, amount: money(c.outstanding, c.currency), day: date(c.due_on) }) }), c.overdue ? ` (${t("claims.overdue")})` : "");
    items.push(...w.claims_to_inspect.map(claimItem("work.toInspect")), ...w.claims_to_pay.map(claimItem("work.toPay")), ...w.claims_to_resubmit.map(claimItem("work.toResubmit")));
    // The invitations are further down this page: the link goes there without leaving it (an
    // address of its own would be a route the router does not know).
    if (w.invitations) items.push(h("li", {}, h("a", { href: "#/", id: "work-invitations", text: t("work.invitations", { count: w.invitations }), onclick: (ev) => {
      ev.preventDefault();
      const list = document.getElementById("invitations");
      list?.scrollIntoView();
      list?.querySelector("button, a")?.focus();
    } })));
    return h("section", { id: "work", "aria-labelledby": "work-title" },
      h("h2", { id: "work-title", text: t("work.title", { count: w.total }) }), h("ul", {}, items));
  };

  /** Invitations to the user's organization: open ones to accept or decline, then the answered. */
  const invitationList = async () => {
    const res = await api("GET", "/invitations");
    if (!res.ok || !res.data.length) return null;
    const message = h("div", { id: "invitation-message", "aria-live": "polite" });
    const answer = (inv, verb) => async (ev) => {
      ev.currentTarget.disabled = true;
      const r = await api("POST", `/invitations/${inv.id}/${verb}`, {});
      if (!r.ok) return showProblem(message, r.problem);
      announce(t(verb === "accept" ? "invitation.acceptedNow" : "invitation.declinedNow", { project: localName(inv, "project_title_ja", "project_title_en") }));
      render();
    };
    return h("section", { id: "invitations", "aria-labelledby": "invitations-title" },
      h("h2", { id: "invitations-title", text: t("invitation.title") }),
      h("p", { class: "hint", text: t("invitation.intro") }),
      message,
      table([t("projects.title"), t("invitation.from"), t("invitation.role"), t("project.status"), ""],
        res.data.map((inv) => [
          localName(inv, "project_title_ja", "project_title_en"),
          localName(inv, "invited_by_name_ja", "invited_by_name_en"),
          t(`party.${inv.role}`),
          h("span", { class: `badge badge-party-${inv.status}`, text: t(`partyStatus.${inv.status}`) }),
          inv.status === "invited"
            ? h("span", { class: "actions" },
              h("button", { type: "button", class: "accept-invitation", text: t("invitation.accept"), onclick: answer(inv, "accept") }),
              h("button", { type: "button", class: "secondary decline-invitation", text: t("invitation.decline"), onclick: answer(inv, "decline") }))
            : (inv.answered_at ? dateTime(inv.answered_at) : ""),
        ]), { id: "invitation-list" }));
  };

  const viewHome = async () => {
    const role = state.user.role;
    const links = {
      government_staff: [["#/projects/new", t("nav.newProject")]],
      evaluator: [["#/queue", t("nav.queue")]],
      investor: [["#/portfolio", t("nav.portfolio")]],
      platform_admin: [["#/admin", t("nav.admin")]],
      service_provider: [],
    }[role];
    page(t("home.welcome", { name: state.user.display_name }),
      h("p", { class: "lead", text: `${t(`role.${role}`)} · ${localName(state.user.organization)}` }),
      h("p", { text: t(`home.intro.${role}`) }),
      links.length ? h("p", { class: "actions" }, links.map(([href, label]) => h("a", { class: "button", href, text: label }))) : null,
      await workList(),
      await invitationList(),
      role === "government_staff" ? await governmentOverview() : null,
      role === "service_provider" ? await providerOverview() : null,
      h("h2", { text: t("home.yourProjects") }),
      await projectList());
  };

  /** A government's outcome contracts at a glance, as the server computes them: totals per
   *  currency, then what each project may still cost, what has moved and what waits. */
  const governmentOverview = async () => {
    const res = await api("GET", "/dashboards/government");
    if (!res.ok) return problemBox(res.problem);
    const d = res.data;
    if (!d.projects.length) return null;
    const share = (x) => (x === null || x === undefined ? t("common.none") : percent(Number(x), 1));
    return h("section", { id: "government-overview", "aria-labelledby": "gov-title" },
      h("h2", { id: "gov-title", text: t("dash.government") }),
      downloadLinks("government-downloads", "/dashboards/government/download", "outcome-contracts"),
      table([t("dash.currency"), t("dash.projects"), t("project.cap"), t("project.computed"), t("claims.claimed"), t("claims.accepted"), t("claims.paid"), t("dash.awaiting"), t("dash.claimsWaiting")],
        d.totals.map((x) => [x.currency, String(x.projects), money(x.cap, x.currency), money(x.computed, x.currency), money(x.claimed, x.currency), money(x.accepted, x.currency), money(x.paid, x.currency),
          String(x.awaiting_verification), x.claims_overdue ? `${x.claims_waiting} (${t("dash.overdue", { count: x.claims_overdue })})` : String(x.claims_waiting)]), { id: "government-totals" }),
      table([t("projects.title"), t("project.cap"), t("project.computed"), t("claims.paid"), t("dash.atRisk"), t("dash.awaiting"), t("dash.claimsWaiting")],
        d.projects.map((x) => [h("a", { href: `#/projects/${x.project_id}`, text: localName(x, "title_ja", "title_en") }), money(x.cap, x.currency),
          x.non_contingent ? `${money(x.computed, x.currency)} (${t("dash.nonContingent", { amount: money(x.non_contingent, x.currency) })})` : money(x.computed, x.currency),
          money(x.paid, x.currency), share(x.share_at_risk), String(x.awaiting_verification),
          x.claims_waiting.length ? h("ul", {}, x.claims_waiting.map((c) => h("li", { class: c.overdue ? "overdue" : null,
            text: t(c.waits_for === "inspection" ? "dash.waitsInspection" : "dash.waitsPayment", { tranche: c.tranche, amount: money(c.outstanding, x.currency), day: date(c.due_on) }) }))) : t("common.none")]),
        { id: "government-projects" }));
  };

  /** A service provider's projects: outcomes against targets and money as it moved, from the
   *  server; no investor positions. */
  const providerOverview = async () => {
    const res = await api("GET", "/dashboards/provider");
    if (!res.ok) return problemBox(res.problem);
    if (!res.data.projects.length) return null;
    return h("section", { id: "provider-overview", "aria-labelledby": "provider-title" },
      h("h2", { id: "provider-title", text: t("dash.provider") }),
      table([t("projects.title"), t("dash.outcomes"), t("dash.awaiting"), t("project.computed"), t("claims.claimed"), t("claims.accepted"), t("dash.received")],
        res.data.projects.map((x) => [h("a", { href: `#/projects/${x.project_id}`, text: localName(x, "title_ja", "title_en") }),
          h("ul", {}, x.metrics.map((m) => h("li", { text: `${x.metric_names[m.metric] ? localName(x.metric_names[m.metric], "ja", "en") : m.metric}: ${m.achievement === null ? t("common.none") : percent(Number(m.achievement))}` }))),
          String(x.awaiting_verification), money(x.computed, x.currency), money(x.claimed, x.currency), money(x.accepted, x.currency), money(x.received, x.currency)]),
        { id: "provider-projects" }));
  };

  const PROJECT_STATUSES = ["draft", "published", "in_service", "evaluating", "closed"];
  const POLICY_AREAS = ["health", "child_and_family_welfare", "employment_and_training", "poverty_reduction", "education", "criminal_justice", "homelessness", "community"];

  /** Every project the reader may see, a page at a time from the server, filtered there. */
  const projectBrowser = () => {
    const filters = { status: "", policy_area: "", q: "", page: 1 };
    const search = input("pb-q", { type: "search", autocomplete: "off" });
    const holder = h("div", { id: "project-browser", "aria-live": "polite" });
    const status = select("pb-status", [["", t("common.all")], ...PROJECT_STATUSES.map((x) => [x, t(`status.${x}`)])]);
    const area = select("pb-area", [["", t("common.all")], ...POLICY_AREAS.map((x) => [x, t(`area.${x}`)])]);
    const load = async () => {
      const q = new URLSearchParams({ page: String(filters.page), per_page: "50" });
      if (filters.status) q.set("status", filters.status);
      if (filters.policy_area) q.set("policy_area", filters.policy_area);
      if (filters.q) q.set("q", filters.q);
      const res = await api("GET", `/projects?${q}`);
      if (!res.ok) return holder.replaceChildren(problemBox(res.problem));
      const { items, total, per_page: size } = res.data;
      const pages = Math.max(1, Math.ceil(total / size));
      const go = (n) => () => { filters.page = n; load(); };
      holder.replaceChildren(
        items.length ? table([t("projects.title"), t("project.status"), t("project.policyArea"), t("project.code")],
          items.map((p) => [h("a", { href: `#/projects/${p.id}`, text: titleOf(p) }), badge(p.status), t(`area.${p.policy_area}`), p.code]),
          { id: "project-list" }) : h("p", { text: t("projects.none") }),
        h("p", { class: "pager" }, h("span", { id: "project-count", text: t("projects.count", { total, page: filters.page, pages }) }), " ",
          filters.page > 1 ? h("button", { type: "button", class: "link", id: "projects-prev", text: t("projects.prev"), onclick: go(filters.page - 1) }) : null, " ",
          filters.page < pages ? h("button", { type: "button", class: "link", id: "projects-next", text: t("projects.next"), onclick: go(filters.page + 1) }) : null));
    };
    const onFilter = () => { filters.status = status.value; filters.policy_area = area.value; filters.q = search.value.trim(); filters.page = 1; load(); };
    status.addEventListener("change", onFilter);
    area.addEventListener("change", onFilter);
    // Searched on the server as the person types, once they pause.
    let typing;
    search.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(onFilter, 300); });
    load();
    return h("div", {}, h("div", { class: "filters" }, field("pb-q", t("projects.search"), search), field("pb-status", t("project.status"), status), field("pb-area", t("project.policyArea"), area)), holder);
  };

  const viewProjects = async () => page(t("projects.title"), projectBrowser(),
    state.user.role === "government_staff" ? indigoImportSection() : null);

  const NOTE_KINDS = ["cleaned", "unreadable", "not_imported", "assumed"];

  /** Registers a draft from an INDIGO project file and shows what was cleaned or left out. */
  const indigoImportSection = () => {
    const result = h("div", { id: "indigo-result", "aria-live": "polite" });
    const form = h("form", { id: "indigo-form", novalidate: true },
      field("indigo-file", t("indigo.file"), input("indigo-file", { type: "file", accept: ".json,application/json", required: true }), t("indigo.fileHint")),
      field("indigo-code", t("project.code"), input("indigo-code", { required: true, pattern: "[a-z0-9-]{3,64}" }), t("indigo.codeHint")),
      h("button", { type: "submit", id: "indigo-submit", class: "secondary", text: t("indigo.submit") }));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const file = form["indigo-file"].files[0];
      if (!file) return result.replaceChildren(h("p", { class: "error", role: "alert", text: t("indigo.noFile") }));
      let doc;
      try {
        doc = JSON.parse(await file.text());
      } catch (_) {
        return result.replaceChildren(h("p", { class: "error", role: "alert", text: t("indigo.notJson") }));
      }
      const res = await api("POST", "/projects/indigo-import", { code: form["indigo-code"].value.trim(), project: doc });
      if (!res.ok) return showProblem(result, res.problem);
      const report = res.data.report;
      result.replaceChildren(
        h("p", { class: "notice" }, t("indigo.done"), " ", h("a", { href: `#/projects/${res.data.project.id}`, id: "indigo-draft", text: titleOf(res.data.project) })),
        report.length ? table([t("indigo.field"), t("indigo.kind"), t("indigo.found"), t("indigo.note")],
          report.map((n) => [h("code", { text: n.field }), t(`indigo.kind.${NOTE_KINDS.includes(n.kind) ? n.kind : "assumed"}`), n.found || t("common.none"), state.lang === "ja" ? n.message_ja : n.message_en]), { id: "indigo-report" }) : null);
    });
    return h("section", { id: "indigo-import" }, h("h2", { text: t("indigo.title") }), h("p", { class: "hint", text: t("indigo.lead") }), form, result);
  };

  /** The project, its latest payout run (with statement) and the figures the server computed. */
  const loadProject = async (id) => {
    const [project, runs, figures, claims, distributions, budget] = await Promise.all([
      api("GET", `/projects/${id}`), api("GET", `/projects/${id}/payout-runs`), api("GET", `/projects/${id}/figures`), api("GET", `/projects/${id}/claims`),
      api("GET", `/projects/${id}/distributions`), api("GET", `/projects/${id}/budget`)]);
    if (!project.ok) return { problem: project.problem };
    let latest = null;
    if (runs.ok && runs.data.length) {
      const detail = await api("GET", `/projects/${id}/payout-runs/${runs.data[0].id}`);
      latest = detail.ok ? detail.data : null;
    }
    return { project: project.data, etag: project.etag, runs: runs.ok ? runs.data : [], latest, figures: figures.ok ? figures.data : null, claims: claims.ok ? claims.data : [],
      distributions: distributions.ok ? distributions.data : null, budget: budget.ok ? budget.data : null };
  };

  /** The metrics with the server's progress figures (value and achievement are computed there). */
  const metricRows = (terms, figures) => terms.metrics.map((m) => {
    const f = (figures ? figures.metrics : []).find((x) => x.metric === m.id) || {};
    return { id: m.id, label: localName(m.name, "ja", "en"), unit: m.unit, direction: m.direction, baseline: m.baseline, target: m.target,
      value: f.value ?? null, ratio: f.achievement ?? null, belowFloor: Boolean(f.below_floor) };
  });

  const viewProject = async (id) => {
    loading();
    const data = await loadProject(id);
    if (data.problem) return page(t("error.title"), h("p", { id: "not-found", text: data.problem.status === 404 ? t("project.notFound") : "" }), problemBox(data.problem));
    const { project, runs, figures } = data;
    const terms = project.terms;
    const role = state.user.role;
    const isOwner = role === "government_staff" && project.owner_organization_id === state.user.organization.id;
    const isEvaluator = role === "evaluator";
    const message = h("div", { id: "project-message", "aria-live": "polite" });

    const transitions = { draft: ["published", "project.publish"], published: ["in_service", "project.toInService"], in_service: ["evaluating", "project.toEvaluating"], evaluating: ["closed", "project.toClosed"] };
    const actions = [];
    // Publication waits until every party has accepted its role; the server refuses it too.
    const waiting = project.parties.filter((p) => p.status !== "accepted");
    const blocked = project.status === "draft" && waiting.length > 0;
    if (isOwner && transitions[project.status]) {
      const [next, label] = transitions[project.status];
      // A change of lifecycle cannot be undone: it asks first, saying what it means, and the
      // button is not the primary one.
      actions.push(h("button", { type: "button", id: "status-action", class: "secondary", text: t(label), disabled: blocked, "aria-describedby": blocked ? "waiting-parties" : null, onclick: () => {
        const confirmBox = h("div", { class: "notice confirm", id: "status-confirm-box", role: "alertdialog", "aria-labelledby": "status-confirm-text" },
          h("p", { id: "status-confirm-text", text: t(`project.confirm.${next}`) }),
          h("button", { type: "button", id: "status-confirm", class: "danger", text: t(label), onclick: async () => {
            const res = await api("POST", `/projects/${id}/status`, { status: next }, { headers: { "if-match": data.etag } });
            if (!res.ok) return showProblem(message, res.problem);
            viewProject(id);
          } }), " ",
          h("button", { type: "button", id: "status-cancel", class: "secondary", text: t("common.cancel"), onclick: () => message.replaceChildren() }));
        message.replaceChildren(confirmBox);
        confirmBox.querySelector("#status-cancel").focus();
      } }));
    }
    if (isOwner && ["published", "in_service", "evaluating"].includes(project.status)) actions.push(h("a", { class: "button secondary", href: `#/projects/${id}/amend`, text: t("project.amend") }));
    // A draft is edited in the same editor, or deleted (its code is free again), until published.
    if (isOwner && project.status === "draft") {
      actions.push(h("a", { class: "button secondary", id: "edit-draft", href: `#/projects/${id}/edit`, text: t("project.editDraft") }));
      actions.push(h("button", { type: "button", id: "delete-draft", class: "secondary", text: t("project.deleteDraft"), onclick: () => {
        const confirmBox = h("div", { class: "notice confirm", id: "delete-confirm-box", role: "alertdialog", "aria-labelledby": "delete-confirm-text" },
          h("p", { id: "delete-confirm-text", text: t("project.confirmDelete", { code: project.code }) }),
          h("button", { type: "button", id: "delete-confirm", class: "danger", text: t("project.deleteDraft"), onclick: async () => {
            const res = await api("DELETE", `/projects/${id}`, undefined, { headers: { "if-match": data.etag } });
            if (!res.ok) return showProblem(message, res.problem);
            announce(t("project.deleted", { code: project.code }));
            location.hash = "#/projects";
          } }), " ",
          h("button", { type: "button", id: "delete-cancel", class: "secondary", text: t("common.cancel"), onclick: () => message.replaceChildren() }));
        message.replaceChildren(confirmBox);
        confirmBox.querySelector("#delete-cancel").focus();
      } }));
    }
    if ((isOwner || isEvaluator) && project.status !== "draft") {
      actions.push(h("button", { type: "button", id: "run-payout", text: t("project.runPayout"), onclick: async (ev) => {
        const button = ev.currentTarget;
        const res = await api("POST", `/projects/${id}/payout-runs`, {}, { headers: { "idempotency-key": submissionKey(button, "run") } });
        if (!res.ok) return showProblem(message, res.problem);
        submissionDone(button);
        announce(t("project.runDone", { total: money(res.data.total, res.data.currency) }));
        location.hash = `#/projects/${id}/runs/${res.data.id}`;
      } }));
    }
    if (isEvaluator || isOwner || role === "service_provider") actions.push(h("a", { class: "button secondary", href: `#/projects/${id}/data`, text: t("project.outcomeData") }));

    const metrics = metricRows(terms, figures);
    const currency = project.currency;
    const due = figures && figures.latest_run ? figures.due : null;
    const points = due ? due.tranches.map((tr) => ({ date: tr.due_on, amount: tr.computed, cumulative: tr.cumulative, room: tr.room_under_cap })) : [];

    page(titleOf(project),
      h("p", { class: "lead" }, badge(project.status), " ", t(`area.${project.policy_area}`), " · ", h("code", { text: project.code })),
      terms.target_population ? h("p", {}, h("strong", { text: `${t("project.population")}: ` }), terms.target_population) : null,
      terms.dates && terms.dates.service_start ? h("p", {}, h("strong", { text: `${t("project.service")}: ` }), `${date(terms.dates.service_start)} – ${date(terms.dates.service_end)}`) : null,
      actions.length ? h("div", { class: "actions", "aria-label": t("project.actions"), role: "group" }, actions) : null,
      message,
      isOwner && blocked ? h("p", { id: "waiting-parties", class: "notice" },
        t("project.waitingFor", { parties: waiting.map((p) => `${localName(p)} (${t(`party.${p.role}`)}: ${t(`partyStatus.${p.status}`)})`).join(state.lang === "ja" ? "、" : "; ") })) : null,
      h("h2", { text: t("project.parties") }),
      table([t("project.organization"), t("project.role"), t("project.partyStatus")], project.parties.map((p) => [localName(p), t(`party.${p.role}`),
        h("span", { class: `badge badge-party-${p.status}`, text: t(`partyStatus.${p.status}`) })]), { id: "parties" }),
      h("h2", { text: t("project.metrics") }),
      table([t("project.metric"), t("project.unit"), t("project.direction"), t("project.baseline"), t("project.target"), t("project.latest"), t("project.achievement")],
        metrics.map((m) => [m.label, t(`unit.${m.unit}`), t(`direction.${m.direction}`), metricValue(m.unit, m.baseline), metricValue(m.unit, m.target), metricValue(m.unit, m.value),
          m.ratio === null ? t("common.none") : `${percent(m.ratio)}${m.belowFloor ? ` (${t("project.belowFloor")})` : ""}`]), { id: "metrics" }),
      metrics.some((m) => m.ratio !== null) ? achievementChart(metrics) : null,
      figures ? achievementHistoryChart(terms, figures) : null,
      h("h2", { text: t("project.payments") }),
      h("p", {}, h("strong", { text: `${t("project.cap")}: ` }), money(terms.max_total_payment, currency), " · ",
        h("strong", { text: `${t("project.computed")}: ` }), h("span", { id: "computed-total", text: due ? money(due.computed_total, currency) : t("common.none") }),
        due && due.room_under_cap !== null ? [" · ", h("strong", { text: `${t("project.headroom")}: ` }), h("span", { id: "cap-room", text: money(due.room_under_cap, currency) })] : null),
      due ? paymentsChart(points, terms.max_total_payment, currency) : h("p", { text: t("project.noRun") }),
      data.budget && (data.budget.years.length || isOwner) ? [h("h2", { text: t("project.budget") }), budgetSection(id, isOwner, data.budget),
        downloadLinks("budget-downloads", `/projects/${id}/budget-schedule`, `budget-${id}`)] : null,
      (isOwner || isEvaluator || role === "government_staff") && project.status !== "draft" ? previewSection(id, terms, currency) : null,
      project.status !== "draft" ? simulationSection(id, terms, currency, project.parties) : null,
      h("h2", { text: t("claims.title") }),
      figures ? moneyStages(figures, currency) : null,
      data.claims.length ? [claimsTable(id, data.claims), downloadLinks("ledger-downloads", `/projects/${id}/claims-ledger`, `claims-${id}`)] : h("p", { text: t("claims.none") }),
      canPrepareClaim(project) && runs.length ? h("p", {}, h("a", { class: "button", id: "new-claim", href: `#/projects/${id}/claims/new`, text: t("claims.prepare") })) : null,
      data.distributions && data.distributions.tranches.length ? [h("h2", { text: t("dist.title") }), distributionsSection(id, project, data.distributions),
        downloadLinks("investor-statement-downloads", `/projects/${id}/investor-statement`, `${project.code}-investor-statement`)] : null,
      h("h2", { text: t("project.runs") }),
      runs.length ? table([t("run.asOf"), t("run.total"), t("run.terms"), ""], runs.map((r) => [dateTime(r.as_of), money(r.total, r.currency), String(r.terms_version), h("a", { href: `#/projects/${id}/runs/${r.id}`, text: t("common.open") })])) : h("p", { text: t("project.noRun") }),
      await termsVersionsSection(id),
      await openDataSection(id, project, isOwner));
  };

  /** Every version of the terms with its effective date and the amendment's reason. */
  const termsVersionsSection = async (id) => {
    const res = await api("GET", `/projects/${id}/versions`);
    if (!res.ok || !res.data.length) return null;
    return [h("h2", { text: t("project.versions") }),
      table([t("project.version"), t("project.effectiveFrom"), t("project.reason")],
        res.data.map((v) => [String(v.version), date(v.effective_from), v.reason || t("ed.firstVersion")]), { id: "versions" })];
  };

  const PUBLIC_SECTIONS = ["parties", "metrics", "payment_rules", "results", "payments", "investments"];

  /** Open data: the public page's settings (the owner), an investor's own disclosure, INDIGO. */
  const openDataSection = async (id, project, isOwner) => {
    const res = await api("GET", `/projects/${id}/publication`);
    if (!res.ok) return null;
    const pub = res.data;
    const message = h("div", { id: "publication-message", "aria-live": "polite" });
    const parts = [h("h2", { text: t("pub.title") }),
      h("p", { id: "publication-state" }, pub.published
        ? [t("pub.on"), " ", h("a", { href: `#/public/${project.code}`, id: "public-link", text: t("pub.open") })]
        : t("pub.off"))];
    if (isOwner) {
      const on = input("pub-published", { type: "checkbox", checked: pub.published });
      const boxes = PUBLIC_SECTIONS.map((sec) => [sec, input(`pub-${sec}`, { type: "checkbox", checked: pub.public_sections.includes(sec) })]);
      const threshold = input("pub-threshold", { type: "number", min: "1", max: "1000", value: String(pub.privacy_threshold), inputmode: "numeric" });
      const form = h("form", { id: "publication-form", novalidate: true },
        h("p", {}, on, " ", h("label", { for: "pub-published", text: t("pub.publish") })),
        h("fieldset", {}, h("legend", { text: t("pub.sections") }),
          boxes.map(([sec, box]) => h("p", {}, box, " ", h("label", { for: `pub-${sec}`, text: t(`pub.section.${sec}`) })))),
        field("pub-threshold", t("pub.threshold"), threshold, t("pub.thresholdHint")),
        h("button", { type: "submit", id: "publication-save", text: t("pub.save") }));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const body = { published: on.checked, public_sections: boxes.filter(([, b]) => b.checked).map(([sec]) => sec), privacy_threshold: Number(threshold.value) };
        const r = await api("PUT", `/projects/${id}/publication`, body);
        if (!r.ok) return showProblem(message, r.problem);
        announce(t("pub.saved"));
        viewProject(id);
      });
      parts.push(form);
    }
    if (pub.own_position_public !== null && pub.own_position_public !== undefined) {
      parts.push(h("p", { id: "disclosure-state", text: pub.own_position_public ? t("pub.ownPublic") : t("pub.ownPrivate") }),
        h("button", { type: "button", id: "disclosure-toggle", class: "secondary", text: pub.own_position_public ? t("pub.makePrivate") : t("pub.makePublic"), onclick: async () => {
          const r = await api("PUT", `/projects/${id}/publication/disclosure`, { public: !pub.own_position_public });
          if (!r.ok) return showProblem(message, r.problem);
          viewProject(id);
        } }));
    }
    if (pub.disclosed_investors.length) {
      parts.push(h("p", {}, h("strong", { text: `${t("pub.disclosed")}: ` }), pub.disclosed_investors.map((n) => localName(n, "ja", "en")).join(state.lang === "ja" ? "、" : ", ")));
    }
    parts.push(h("p", { class: "downloads no-print" }, h("button", { type: "button", class: "link", id: "indigo-export", text: t("pub.indigo"),
      onclick: () => download(`/projects/${id}/indigo`, `${project.code}.indigo.json`) })), message);
    return h("section", { id: "open-data" }, parts);
  };

  /** Results and counts as the public sees them: suppressed cells say so. */
  const publicResult = (r) => (r.suppressed ? t("pub.suppressed")
    : r.numerator !== null && r.denominator !== null ? `${number(r.numerator)} / ${number(r.denominator)}`
      : r.metric_unit === "rate" && r.value !== null ? percent(Number(r.value)) : number(r.value));
  /** A metric's baseline or target as people read it: rates as percentages. */
  const metricValue = (unit, v) => (v === null || v === undefined ? t("common.none") : unit === "rate" ? percent(Number(v)) : number(v));

  const viewPublicList = async () => {
    const res = await api("GET", "/public/projects");
    page(t("pub.listTitle"), h("p", { class: "lead", text: t("pub.listLead") }),
      !res.ok ? problemBox(res.problem) : res.data.length === 0 ? h("p", { text: t("pub.none") })
        : table([t("projects.title"), t("project.policyArea"), t("project.status"), t("project.cap"), t("pub.paid")],
          res.data.map((p) => [h("a", { href: `#/public/${p.code}`, text: titleOf(p) }), t(`area.${p.policy_area}`), badge(p.status),
            p.max_total_payment ? money(p.max_total_payment, p.currency) : t("pub.notPublic"), p.paid ? money(p.paid, p.currency) : t("pub.notPublic")]), { id: "public-projects" }),
      h("p", {}, h("a", { href: "/api/v1/public/indigo", text: t("pub.indigoAll") })));
  };

  const viewPublicProject = async (code) => {
    loading();
    const res = await api("GET", `/public/projects/${encodeURIComponent(code)}`);
    if (!res.ok) return page(t("error.title"), h("p", { id: "not-found", text: t("pub.notFound") }), h("p", {}, h("a", { href: "#/public", text: t("pub.listTitle") })));
    const p = res.data;
    const cur = p.currency;
    const cap = p.payments && p.payments.max_total_payment;
    page(titleOf(p),
      h("p", { class: "lead" }, badge(p.status), " ", t(`area.${p.policy_area}`), " · ", t("pub.publicPage")),
      p.service_start ? h("p", {}, h("strong", { text: `${t("project.service")}: ` }), `${date(p.service_start)} – ${date(p.service_end)}`) : null,
      p.signed_on ? h("p", {}, h("strong", { text: `${t("pub.signed")}: ` }), date(p.signed_on)) : null,
      p.parties ? [h("h2", { text: t("project.parties") }), table([t("project.organization"), t("project.role")], p.parties.map((x) => [localName(x.name, "ja", "en"), t(`party.${x.role}`)]), { id: "public-parties" })] : null,
      p.metrics ? [h("h2", { text: t("project.metrics") }), table([t("project.metric"), t("project.unit"), t("project.direction"), t("project.baseline"), t("project.target"), t("pub.dataSource")],
        p.metrics.map((m) => [localName(m.name, "ja", "en"), t(`unit.${m.unit}`), t(`direction.${m.direction}`), metricValue(m.unit, m.baseline), metricValue(m.unit, m.target), m.data_source || t("common.none")]), { id: "public-metrics" })] : null,
      p.payment_rules ? [h("h2", { text: t("pub.rules") }), table([t("pub.component"), t("run.tranche"), t("pub.rule"), t("pub.maximum")],
        p.payment_rules.map((r) => [r.component, r.tranche_name, localName(r.description, "ja", "en"), r.maximum ? money(r.maximum, cur) : t("common.none")]), { id: "public-rules" })] : null,
      p.results ? [h("h2", { text: t("pub.results") }), p.results.length ? table([t("project.metric"), t("run.tranche"), t("pub.result")],
        p.results.map((r) => [localName(r.metric_name, "ja", "en"), r.tranche_name || t("common.none"), publicResult(r)]), { id: "public-results" }) : h("p", { text: t("pub.noResults") }),
        p.results.some((r) => r.suppressed) ? h("p", { class: "hint", text: t("pub.suppressedNote", { n: p.privacy_threshold }) }) : null] : null,
      p.payments ? [h("h2", { text: t("pub.payments") }),
        h("p", {}, h("strong", { text: `${t("project.cap")}: ` }), cap ? money(cap, cur) : t("common.none"), " · ",
          h("strong", { text: `${t("pub.paid")}: ` }), h("span", { id: "public-paid", text: money(p.payments.paid, cur) }),
          p.payments.remaining_under_maximum !== null ? [" · ", h("strong", { text: `${t("pub.remaining")}: ` }), money(p.payments.remaining_under_maximum, cur)] : null),
        p.payments.payments.length ? paymentsChart(p.payments.payments.map((x) => ({ date: x.paid_on, amount: x.amount, cumulative: x.cumulative, room: x.remaining_under_maximum })), cap, cur,
          { caption: "pub.paymentsChart", amount: "pub.paymentAmount", when: "claims.paidOn" }) : h("p", { text: t("pub.noPayments") })] : null,
      p.investments ? [h("h2", { text: t("pub.investments") }),
        h("p", {}, h("strong", { text: `${t("pub.totalInvested")}: ` }), money(p.investments.total_committed, cur), " · ", t("pub.investorCount", { n: p.investments.investors })),
        p.investments.disclosed.length ? table([t("inv.investor"), t("pub.committed")], p.investments.disclosed.map((d) => [localName(d.investor, "ja", "en"), money(d.committed, cur)]), { id: "public-investors" }) : null] : null,
      h("p", { class: "no-print" }, h("a", { href: `/api/v1/public/projects/${encodeURIComponent(p.code)}/indigo`, text: t("pub.indigoProject") }), " · ", h("a", { href: "#/public", text: t("pub.listTitle") })));
  };

  /** "What if": the engine prices hypothetical values on the server; nothing is stored. */
  const previewSection = (id, terms, currency) => {
    const result = h("div", { id: "preview-result", "aria-live": "polite" });
    const form = h("form", { id: "preview-form", novalidate: true },
      field("pv-metric", t("project.metric"), select("pv-metric", terms.metrics.map((m) => [m.id, localName(m.name, "ja", "en")]))),
      field("pv-tranche", t("run.tranche"), select("pv-tranche", [["", t("data.any")], ...terms.tranches.map((x) => [x.id, `${partName(x.name, x.id)} (${date(x.due_on)})`])])),
      field("pv-value", t("preview.value"), input("pv-value", { inputmode: "decimal" }), t("valid.decimal")),
      h("button", { type: "submit", id: "preview-submit", class: "secondary", text: t("preview.run") }));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const get = (name) => form.elements[name].value.trim();
      const r = await api("POST", `/projects/${id}/payout-preview`, { results: [{ metric: get("pv-metric"), tranche: get("pv-tranche") || null, value: get("pv-value") }] });
      if (!r.ok) return showFieldProblems(form, result, r.problem, "pv-");
      const st = r.data.statement;
      const chosen = (name) => form.elements[name].selectedOptions[0].textContent;
      const trancheName = namesOf(terms).tranche;
      result.replaceChildren(
        h("p", { class: "lead" }, h("strong", { text: `${t("preview.total")}: ` }), h("span", { id: "preview-total", text: money(st.total, currency) })),
        table([t("run.tranche"), t("new.dueOn"), t("run.total")], st.tranches.map((x) => [trancheName(x.tranche), date(x.due_on), money(x.total, currency)]), { id: "preview-tranches" }),
        h("div", { id: "preview-lines" }, st.lines.map((l, i) => h("p", {}, h("strong", { text: `${partName(l.name, l.component)}: ${money(l.amount, currency)} ` }),
          h("code", { class: "formula", text: said(r.data.words[i] && r.data.words[i].formula, l.explanation.formula) })))),
        h("p", { class: "hint", text: t("preview.note", { assumed: form.elements["pv-tranche"].value ? `${chosen("pv-metric")} (${chosen("pv-tranche")})` : chosen("pv-metric") }) }));
    });
    return h("details", { id: "preview", class: "no-print" }, h("summary", { text: t("preview.title") }), h("p", { class: "hint", text: t("preview.intro") }), form, result);
  };

  /** Monte Carlo over outcome levels, run by the engine on the server; the page draws the
   *  percentiles it answers with (a band per fiscal year) and lists them in tables. */
  const simulationSection = (id, terms, currency, parties = []) => {
    /** A payer or investor organization by its name, from the project's parties. */
    const investorName = (slug) => {
      const party = parties.find((p) => p.slug === slug);
      return party ? localName(party) : slug;
    };
    const result = h("div", { id: "simulation-result", "aria-live": "polite" });
    const kinds = [["", t("sim.kind.none")], ["fixed", t("sim.kind.fixed")], ["normal", t("sim.kind.normal")], ["beta", t("sim.kind.beta")], ["poisson", t("sim.kind.poisson")], ["negative_binomial", t("sim.kind.negative_binomial")]];
    const rows = terms.metrics.map((m, i) => h("fieldset", { class: "sim-metric" },
      h("legend", { text: localName(m.name, "ja", "en") }),
      field(`sim-kind-${i}`, t("sim.distribution"), select(`sim-kind-${i}`, kinds)),
      field(`sim-mean-${i}`, t("sim.mean"), input(`sim-mean-${i}`, { inputmode: "decimal" }), m.unit === "rate" ? t("sim.rateHint") : null),
      field(`sim-spread-${i}`, t("sim.spread"), input(`sim-spread-${i}`, { inputmode: "decimal" }), t("sim.spreadHint"))));
    const form = h("form", { id: "simulation-form", novalidate: true }, rows,
      field("sim-runs", t("sim.runs"), input("sim-runs", { inputmode: "numeric", value: "2000" })),
      field("sim-seed", t("sim.seed"), input("sim-seed", { inputmode: "numeric", value: "1" })),
      h("button", { type: "submit", id: "simulation-submit", class: "secondary", text: t("sim.run") }));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const get = (name) => form.elements[name].value.trim();
      const assumptions = [];
      terms.metrics.forEach((m, i) => {
        const kind = get(`sim-kind-${i}`);
        if (!kind) return;
        const mean = get(`sim-mean-${i}`);
        const spread = get(`sim-spread-${i}`);
        const distribution = { fixed: { kind, value: mean }, normal: { kind, mean, standard_error: spread }, beta: { kind, mean, sample_size: spread },
          poisson: { kind, mean }, negative_binomial: { kind, mean, dispersion: spread } }[kind];
        assumptions.push({ metric: m.id, distribution });
      });
      // Queued as a job on the server; its progress is polled until it is done.
      const queued = await api("POST", `/projects/${id}/simulation-jobs`, { runs: Number.parseInt(get("sim-runs"), 10) || 0, seed: Number.parseInt(get("sim-seed"), 10) || 0, assumptions });
      if (!queued.ok) return showProblem(result, queued.problem);
      let job = queued.data;
      const bar = h("progress", { id: "simulation-progress", max: String(job.progress_total), value: "0" });
      const label = h("span", { id: "simulation-progress-text" });
      const showProgress = () => {
        bar.value = job.progress_done;
        label.textContent = t(`sim.job.${job.status}`, { done: number(job.progress_done), total: number(job.progress_total) });
      };
      showProgress();
      const progressLine = h("p", { class: "sim-progress" }, h("label", { for: "simulation-progress", text: `${t("sim.job.label")} ` }), bar, " ", label);
      result.replaceChildren(progressLine);
      while (job.status === "queued" || job.status === "running") {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const polled = await api("GET", `/jobs/${job.id}`);
        if (!polled.ok) return showProblem(result, polled.problem);
        job = polled.data;
        showProgress();
      }
      if (job.status === "failed") {
        return showProblem(result, { type: `/problems/${job.problem.kind}`, detail: job.problem.detail, errors: job.problem.errors });
      }
      const sim = job.result;
      const pc = (x) => percent(Number(x), 1);
      const band = (p) => [money(p.p5, currency), money(p.p25, currency), money(p.p50, currency), money(p.p75, currency), money(p.p95, currency), money(p.mean, currency)];
      result.replaceChildren(progressLine,
        h("p", { class: "lead", id: "simulation-summary", text: t("sim.summary", { runs: number(sim.runs), seed: sim.seed, p50: money(sim.total_payment.p50, currency), p95: money(sim.total_payment.p95, currency) }) }),
        h("p", {}, h("strong", { text: `${t("sim.capBinds")}: ` }), h("span", { id: "sim-cap", text: pc(sim.probability_cap_binds) }), " · ",
          h("strong", { text: `${t("sim.loss")}: ` }), h("span", { id: "sim-loss", text: pc(sim.probability_of_principal_loss) })),
        table(["", "5%", "25%", "50%", "75%", "95%", t("sim.mean")], [[t("sim.total"), ...band(sim.total_payment)], ...sim.by_payer.map((p) => [investorName(p.payer), ...band(p.payment)])], { id: "simulation-totals" }),
        h("h3", { text: t("sim.byYear") }),
        fanChart(sim.by_fiscal_year, currency),
        table([t("project.fiscalYear"), "5%", "25%", "50%", "75%", "95%", t("sim.mean")], sim.by_fiscal_year.map((y) => [fyLabel(y.fiscal_year), ...band(y.payment)]), { id: "simulation-years" }),
        // (replaceChildren does not flatten arrays: a section is one element.)
        sim.investors.length ? h("div", { id: "simulation-investor-outlook" }, h("h3", { text: t("sim.investors") }),
          irrChart(sim.investors.filter((i) => i.irr).map((i) => ({ ...i, investor: investorName(i.investor) }))),
          table([t("inv.investor"), `IRR 5%`, `IRR 50%`, `IRR 95%`, t("sim.lossShare")], sim.investors.map((i) => [investorName(i.investor),
            i.irr ? percent(Number(i.irr.p5), 2) : t("common.none"), i.irr ? percent(Number(i.irr.p50), 2) : t("common.none"), i.irr ? percent(Number(i.irr.p95), 2) : t("common.none"), pc(i.probability_of_loss)]), { id: "simulation-investors" })) : null,
        h("p", { class: "hint", text: t("sim.note", { engine: sim.engine_version }) }));
    });
    return h("details", { id: "simulation", class: "no-print" }, h("summary", { text: t("sim.title") }), h("p", { class: "hint", text: t("sim.intro") }), form, result);
  };

  /** Each investor's simulated IRR: the 5th–95th percentile band, the middle half darker, the
   *  median marked, and the zero line (below it the investor loses money); the table after it
   *  holds the same figures. */
  const irrChart = (investors) => {
    if (!investors.length) return null;
    const lows = investors.map((i) => Number(i.irr.p5));
    const highs = investors.map((i) => Number(i.irr.p95));
    const lo = Math.min(0, ...lows), hi = Math.max(0.01, ...highs);
    const width = 560, rowH = 34, left = 150;
    const scale = (v) => left + ((Number(v) - lo) / (hi - lo || 1)) * (width - left - 20);
    const svg = s("svg", { viewBox: `0 0 ${width} ${investors.length * rowH + 30}`, class: "fan-chart irr-chart", role: "img",
      "aria-label": t("sim.irrChartLabel", { investors: investors.map((i) => `${i.investor}: ${percent(Number(i.irr.p5), 2)}–${percent(Number(i.irr.p95), 2)}`).join("; ") }) });
    investors.forEach((i, n) => {
      const yTop = 5 + n * rowH;
      svg.append(s("text", { x: 0, y: yTop + 20, class: "fan-label" }, i.investor.slice(0, 22)),
        s("rect", { x: scale(i.irr.p5), y: yTop + 6, width: Math.max(scale(i.irr.p95) - scale(i.irr.p5), 2), height: 20, class: "fan-band" }),
        s("rect", { x: scale(i.irr.p25), y: yTop + 6, width: Math.max(scale(i.irr.p75) - scale(i.irr.p25), 2), height: 20, class: "fan-core" }),
        s("line", { x1: scale(i.irr.p50), x2: scale(i.irr.p50), y1: yTop + 2, y2: yTop + 30, class: "fan-median" }));
    });
    const bottom = investors.length * rowH + 8;
    svg.append(s("line", { x1: scale(0), x2: scale(0), y1: 0, y2: bottom, stroke: "#b3261e", "stroke-dasharray": "4 3" }),
      s("text", { x: scale(0), y: bottom + 16, "text-anchor": "middle", class: "chart-label" }, "0%"));
    return h("figure", {}, svg, h("figcaption", { class: "hint", text: t("sim.irrChartCaption") }));
  };

  /** Payment by fiscal year as bands from the 5th to the 95th percentile with the median marked;
   *  the table beside it holds the same figures. */
  const fanChart = (years, currency) => {
    if (!years.length) return null;
    const top = Math.max(...years.map((y) => Number(y.payment.p95)), 1);
    const width = 560;
    const rowH = 34;
    const left = 90;
    const scale = (v) => left + (Number(v) / top) * (width - left - 20);
    const svg = s("svg", { viewBox: `0 0 ${width} ${years.length * rowH + 10}`, class: "fan-chart", role: "img",
      "aria-label": t("sim.chartLabel", { years: years.map((y) => `${fyLabel(y.fiscal_year)}: ${money(y.payment.p5, currency)}–${money(y.payment.p95, currency)}`).join("; ") }) });
    years.forEach((y, i) => {
      const yTop = 5 + i * rowH;
      svg.append(s("text", { x: 0, y: yTop + 20, class: "fan-label" }, fyLabel(y.fiscal_year)),
        s("rect", { x: scale(y.payment.p5), y: yTop + 6, width: Math.max(scale(y.payment.p95) - scale(y.payment.p5), 2), height: 20, class: "fan-band" }),
        s("rect", { x: scale(y.payment.p25), y: yTop + 6, width: Math.max(scale(y.payment.p75) - scale(y.payment.p25), 2), height: 20, class: "fan-core" }),
        s("line", { x1: scale(y.payment.p50), x2: scale(y.payment.p50), y1: yTop + 2, y2: yTop + 30, class: "fan-median" }));
    });
    return h("figure", {}, svg, h("figcaption", { class: "hint", text: t("sim.chartCaption") }));
  };

  // ---- Claims, inspection and payment -------------------------------------------------------

  /** Who may prepare a claim (the server decides; this only offers the button). */
  const canPrepareClaim = (project) => {
    const role = state.user.role;
    const mine = (r) => project.parties.some((p) => p.role === r && p.organization_id === state.user.organization.id && p.status === "accepted");
    return (role === "government_staff" && project.owner_organization_id === state.user.organization.id)
      || (role === "service_provider" && mine("service_provider"))
      || (role === "investor" && mine("intermediary"));
  };
  const isPayerStaff = (claim) => state.user.role === "government_staff" && state.user.organization.slug === claim.payer;

  /** The money of a project at each stage, as the server adds it up; each under its own name. */
  const moneyStages = (figures, currency) => {
    const c = figures.claims;
    const due = figures.due;
    return h("div", { class: "table-wrap" }, h("table", { id: "money-stages" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: t("claims.stage") }), h("th", { scope: "col", text: t("claims.amount") }))),
      h("tbody", {}, [
        ["cap", t("project.cap"), due.max_total_payment],
        ["computed", t("project.computed"), due.computed_total],
        ["claimed", t("claims.claimed"), c.claimed],
        ["accepted", t("claims.accepted"), c.accepted],
        ["paid", t("claims.paid"), c.paid],
        ["outstanding", t("claims.outstanding"), c.outstanding],
        ["remaining", t("claims.remaining"), figures.room_under_cap_after_payments],
      ].map(([key, label, amount]) => h("tr", { "data-stage": key }, h("th", { scope: "row", text: label }), h("td", { text: money(amount, currency) }))))));
  };

  const deadline = (day, overdue) => h("span", { class: overdue ? "overdue" : null }, date(day), overdue ? ` (${t("claims.overdue")})` : "");

  const claimsTable = (id, claims) => table(
    [t("run.tranche"), t("party.outcome_payer"), t("claims.total"), t("project.status"), t("claims.received"), t("claims.inspectionDue"), t("claims.paymentDue"), t("claims.paid"), ""],
    claims.map((c) => [c.tranche, localName(c, "payer_name_ja", "payer_name_en"), money(c.total, c.currency), badge(c.status), date(c.received_on),
      deadline(c.inspection_due_on, c.inspection_overdue), deadline(c.payment_due_on, c.payment_overdue), money(c.paid, c.currency),
      h("a", { href: `#/projects/${id}/claims/${c.id}`, text: t("common.open") })]), { id: "claims" });

  /** Shows a problem's field errors beside the fields whose ids are `prefix` + field. */
  const showFieldProblems = (form, message, problem, prefix) => {
    form.querySelectorAll(".field-error").forEach((e) => { e.textContent = ""; });
    for (const e of problem.errors || []) {
      const box = form.querySelector(`#${prefix}${e.field}-error`);
      if (box) box.textContent = e.message;
      form.querySelector(`#${prefix}${e.field}`)?.setAttribute("aria-invalid", "true");
    }
    showProblem(message, problem);
  };

  /** The budget per fiscal year against appropriations and the 債務負担行為, with the server's
   * warnings; the owner's staff enter appropriations and the commitment here. */
  const budgetWarningText = (w, cur) => t(`budget.warning.${w.kind}`, { year: w.fiscal_year ? fyLabel(w.fiscal_year) : "",
    needed: money(w.needed, cur), appropriated: money(w.appropriated, cur), limit: money(w.limit, cur), maximum: money(w.maximum, cur) });

  const budgetSection = (id, isOwner, b) => {
    const cur = b.currency;
    const warning = (w) => budgetWarningText(w, cur);
    const message = h("div", { id: "budget-message", "aria-live": "polite" });
    const lineForm = h("form", { id: "budget-line-form", novalidate: true },
      field("bl-fiscal_year", t("project.fiscalYear"), input("bl-fiscal_year", { inputmode: "numeric", placeholder: "2026" })),
      field("bl-account", t("budget.account"), input("bl-account", { placeholder: t("budget.accountExample") })),
      field("bl-code", t("budget.code"), input("bl-code")),
      field("bl-appropriation", `${t("project.appropriated")} (${cur})`, input("bl-appropriation", { inputmode: "numeric" })),
      h("button", { type: "submit", id: "budget-line-submit", text: t("budget.addLine") }));
    lineForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const get = (name) => lineForm.elements[name].value.trim();
      const r = await api("POST", `/projects/${id}/budget-lines`, { fiscal_year: Number(get("bl-fiscal_year")), account: get("bl-account"), code: get("bl-code"), appropriation: get("bl-appropriation") });
      if (!r.ok) return showFieldProblems(lineForm, message, r.problem, "bl-");
      announce(t("budget.saved"));
      viewProject(id);
    });
    const commitmentForm = h("form", { id: "commitment-form", novalidate: true },
      field("dc-item", t("budget.item"), input("dc-item")),
      field("dc-from_fiscal_year", t("budget.from"), input("dc-from_fiscal_year", { inputmode: "numeric" })),
      field("dc-to_fiscal_year", t("budget.to"), input("dc-to_fiscal_year", { inputmode: "numeric" })),
      field("dc-total_limit", `${t("budget.totalLimit")} (${cur})`, input("dc-total_limit", { inputmode: "numeric" })),
      h("button", { type: "submit", id: "commitment-submit", text: t("budget.addCommitment") }));
    commitmentForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const get = (name) => commitmentForm.elements[name].value.trim();
      const r = await api("POST", `/projects/${id}/debt-commitments`, { item: get("dc-item"), from_fiscal_year: Number(get("dc-from_fiscal_year")), to_fiscal_year: Number(get("dc-to_fiscal_year")), total_limit: get("dc-total_limit") });
      if (!r.ok) return showFieldProblems(commitmentForm, message, r.problem, "dc-");
      announce(t("budget.saved"));
      viewProject(id);
    });
    return h("div", { id: "budget-section" },
      b.appropriations_from_contract ? h("p", { class: "hint", text: t("budget.fromContract") }) : null,
      b.commitment ? h("p", {}, h("strong", { text: `${t("budget.commitment")}: ` }),
        `${b.commitment.item} · ${fyLabel(b.commitment.from_fiscal_year)}–${fyLabel(b.commitment.to_fiscal_year)} · ${t("budget.totalLimit")} ${money(b.commitment.total_limit, cur)}`) : null,
      b.warnings.length ? h("ul", { id: "budget-warnings", class: "notice" }, b.warnings.map((w) => h("li", { text: warning(w) }))) : null,
      table([t("project.fiscalYear"), t("project.appropriated"), t("budget.limit"), t("budget.committed"), t("claims.paid"), t("budget.projected"), t("budget.maximum"), t("project.budgetLeft")],
        b.years.map((y) => [fyLabel(y.fiscal_year), money(y.appropriated, cur), money(y.commitment_limit, cur), money(y.committed, cur), money(y.paid, cur), money(y.projected, cur),
          y.maximum === null ? t("budget.noCeiling") : money(y.maximum, cur),
          y.remaining === null ? t("common.none") : h("span", { class: y.remaining.startsWith("-") ? "overdue" : null, text: money(y.remaining, cur) })]), { id: "budget" }),
      b.schedule.length ? table([t("run.tranche"), t("new.dueOn"), t("project.fiscalYear"), t("budget.payBy"), t("budget.expected"), t("budget.atMost"), t("project.status")],
        b.schedule.map((p) => [p.tranche, date(p.due_on), fyLabel(p.fiscal_year), date(p.latest_payment_on), money(p.expected, cur), money(p.at_most, cur), badge(p.stage)]), { id: "payment-schedule" }) : null,
      b.lines.length && !b.appropriations_from_contract ? table([t("project.fiscalYear"), t("budget.account"), t("budget.code"), t("project.appropriated")],
        b.lines.map((l) => [fyLabel(l.fiscal_year), l.account, l.code || t("common.none"), money(l.appropriation, cur)]), { id: "budget-lines" }) : null,
      isOwner ? h("details", { class: "no-print" }, h("summary", { text: t("budget.enter") }), message, lineForm, commitmentForm) : null);
  };

  /** Distributions to investors per tranche: computed, due, paid, as the server says. */
  const distributionsSection = (id, project, view) => {
    const cur = view.currency;
    const message = h("div", { id: "dist-message", "aria-live": "polite" });
    const mayRecord = (state.user.role === "government_staff" && project.owner_organization_id === state.user.organization.id)
      || (state.user.role === "investor" && project.parties.some((p) => p.role === "intermediary" && p.organization_id === state.user.organization.id));
    const investorName = (slug) => { const p = project.parties.find((x) => x.slug === slug); return p ? localName(p) : slug; };
    const recordButton = (tranche, inv) => h("button", { type: "button", class: "record-distribution", text: t("dist.record"), onclick: async (ev) => {
      const row = ev.currentTarget.closest("tr");
      const paidOn = row.querySelector("input[type=date]").value;
      const reference = row.querySelector("input[type=text]").value.trim();
      const r = await api("POST", `/projects/${id}/distributions`, { tranche: tranche.tranche, investment: inv.investment, paid_on: paidOn || null, reference });
      if (!r.ok) return showProblem(message, r.problem);
      announce(t("dist.recorded"));
      viewProject(id);
    } });
    return h("div", { id: "distributions" }, message, view.tranches.map((tr) => h("section", { class: "card", "data-tranche": tr.tranche },
      h("h3", {}, `${t("run.tranche")}: ${tr.tranche} `, badge(tr.state)),
      h("p", {}, `${t("dist.computedReceived")}: ${money(tr.computed_received, cur)} · ${t("dist.paidIn")}: ${money(tr.paid_in, cur)} · ${t("dist.retained")}: ${orWithheld(tr.retained, cur)}`),
      table([t("dist.investment"), t("inv.investor"), t("dist.computed"), t("dist.paid"), t("claims.paidOn"), ""],
        tr.investments.map((inv) => [inv.investment, investorName(inv.investor), money(inv.computed, cur), inv.paid ? money(inv.paid, cur) : t("common.none"), inv.paid_on ? date(inv.paid_on) : t("common.none"),
          mayRecord && tr.state === "due" && !inv.paid && inv.computed !== "0"
            ? h("span", { class: "actions" }, input(`d-${tr.tranche}-${inv.investment}-on`, { type: "date", "aria-label": t("claims.paidOn") }),
              input(`d-${tr.tranche}-${inv.investment}-ref`, { type: "text", placeholder: t("claims.reference"), "aria-label": t("claims.reference") }), recordButton(tr, inv))
            : ""])),
      tr.other_investors && tr.other_investors.investments ? h("p", { class: "other-investors", text: tr.other_investors.computed_total === null
        ? t("dist.othersWithheld", { count: tr.other_investors.investments })
        : t("dist.others", { count: tr.other_investors.investments, amount: money(tr.other_investors.computed_total, cur) }) }) : null)));
  };

  const viewNewClaim = async (id) => {
    loading();
    const data = await loadProject(id);
    if (data.problem) return page(t("error.title"), problemBox(data.problem));
    const { project, latest } = data;
    const back = h("p", {}, h("a", { href: `#/projects/${id}`, text: `← ${titleOf(project)}` }));
    if (!latest) return page(t("claims.prepare"), back, h("p", { text: t("project.noRun") }));
    const st = latest.statement;
    const cur = st.currency;
    const final = st.tranches.filter((x) => !st.lines.some((l) => l.tranche === x.tranche && l.status === "awaiting_data"));
    const partyName = (slug) => { const p = project.parties.find((x) => x.slug === slug); return p ? localName(p) : slug; };
    const onBehalf = state.user.role === "government_staff";
    const issuers = project.parties.filter((p) => ["service_provider", "intermediary"].includes(p.role) && p.status === "accepted");
    const message = h("div", { id: "claim-message", "aria-live": "polite" });
    const warnings = data.budget ? data.budget.warnings : [];
    const form = h("form", { id: "claim-form", novalidate: true },
      warnings.length ? h("ul", { id: "claim-form-budget-warnings", class: "notice" }, warnings.map((w) => h("li", { text: budgetWarningText(w, cur) }))) : null,
      h("p", { class: "hint", text: t("claims.fromRun", { when: dateTime(latest.as_of) }) }),
      field("c-tranche", t("run.tranche"), select("c-tranche", final.map((x) => [x.tranche, `${x.tranche} · ${date(x.due_on)} · ${t("claims.computedTotal")} ${money(x.total, cur)}`])), final.length ? null : t("claims.noFinal")),
      field("c-payer", t("party.outcome_payer"), select("c-payer", st.payers.map((p) => [p.payer, partyName(p.payer)]))),
      field("c-amount", `${t("claims.amount")} (${cur})`, input("c-amount", { inputmode: "decimal" }), t("claims.amountHint")),
      field("c-invoice_number", t("claims.invoiceNumber"), input("c-invoice_number", { placeholder: "T1234567890123", autocomplete: "off" }), t("claims.invoiceNumberHint")),
      field("c-issued_on", t("claims.issuedOn"), input("c-issued_on", { type: "date" })),
      onBehalf ? field("c-received_on", t("claims.received"), input("c-received_on", { type: "date" }), t("claims.receivedHint")) : null,
      onBehalf ? field("c-issuer_organization_id", t("claims.issuer"), select("c-issuer_organization_id", issuers.map((p) => [String(p.organization_id), localName(p)]))) : null,
      field("c-description", t("claims.description"), input("c-description")),
      h("button", { type: "submit", id: "claim-submit", text: t("claims.submit") }));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const get = (name) => (form.elements[name] ? form.elements[name].value.trim() : "");
      const body = { payout_run_id: latest.id, tranche: get("c-tranche"), payer: get("c-payer"), amount: get("c-amount") || null,
        invoice_number: get("c-invoice_number"), issued_on: get("c-issued_on") || null, description: get("c-description") };
      if (onBehalf) Object.assign(body, { received_on: get("c-received_on") || null, issuer_organization_id: get("c-issuer_organization_id") ? Number(get("c-issuer_organization_id")) : null });
      const res = await api("POST", `/projects/${id}/claims`, body);
      if (!res.ok) return showFieldProblems(form, message, res.problem, "c-");
      announce(t("claims.submitted"));
      location.hash = `#/projects/${id}/claims/${res.data.id}`;
    });
    page(t("claims.prepare"), back, message, form);
  };

  const viewClaim = async (id, claimId) => {
    loading();
    const [res, project] = await Promise.all([api("GET", `/projects/${id}/claims/${claimId}`), api("GET", `/projects/${id}`)]);
    if (!res.ok) return page(t("error.title"), problemBox(res.problem));
    const c = res.data;
    const [run, budget] = await Promise.all([api("GET", `/projects/${id}/payout-runs/${c.payout_run_id}`), api("GET", `/projects/${id}/budget`)]);
    const budgetWarnings = budget.ok ? budget.data.warnings.filter((w) => w.fiscal_year === c.fiscal_year || w.kind === "over_total_commitment") : [];
    // The statement's lines of the claimed tranche, each with its words (the run's line order).
    const explained = run.ok ? run.data.statement.lines.map((l, i) => ({ ...l, words: (run.data.words || [])[i] })).filter((l) => l.tranche === c.tranche) : [];
    const cur = c.currency;
    const message = h("div", { id: "claim-message", "aria-live": "polite" });
    const reload = () => viewClaim(id, claimId);
    const actions = [];
    if (isPayerStaff(c) && c.status === "submitted") {
      const form = h("form", { id: "inspection-form", class: "no-print", novalidate: true },
        h("h2", { text: t("claims.inspect") }),
        h("fieldset", {}, h("legend", { text: t("claims.checks") }),
          ["amount", "statement", "number", "dates"].map((k) => h("div", { class: "check" }, input(`i-check-${k}`, { type: "checkbox", value: t(`claims.check.${k}`) }), h("label", { for: `i-check-${k}`, text: t(`claims.check.${k}`) })))),
        field("i-inspected_on", t("claims.inspectedOn"), input("i-inspected_on", { type: "date" })),
        field("i-reason", t("claims.reason"), input("i-reason"), t("claims.reasonHint")),
        h("p", { class: "actions" },
          h("button", { type: "submit", id: "accept-claim", value: "accept", text: t("claims.accept") }),
          h("button", { type: "submit", id: "return-claim", class: "secondary", value: "return", text: t("claims.return") })));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const accept = ev.submitter ? ev.submitter.value === "accept" : true;
        const checks = [...form.querySelectorAll("input[type=checkbox]:checked")].map((b) => b.value);
        const body = { accept, checks, reason: form.elements["i-reason"].value.trim() || null, inspected_on: form.elements["i-inspected_on"].value || null };
        const r = await api("POST", `/projects/${id}/claims/${claimId}/inspection`, body);
        if (!r.ok) return showFieldProblems(form, message, r.problem, "i-");
        announce(t(accept ? "claims.acceptedNow" : "claims.returnedNow"));
        reload();
      });
      actions.push(form);
    }
    if (isPayerStaff(c) && c.status === "accepted") {
      const form = h("form", { id: "payment-form", class: "no-print", novalidate: true },
        h("h2", { text: t("claims.recordPayment") }),
        h("p", { class: "hint", text: t("claims.outstandingNow", { amount: money(c.outstanding, cur) }) }),
        field("p-paid_on", t("claims.paidOn"), input("p-paid_on", { type: "date" })),
        field("p-amount", `${t("claims.amount")} (${cur})`, input("p-amount", { inputmode: "decimal", value: c.outstanding })),
        field("p-budget_account", t("claims.budgetAccount"), input("p-budget_account"), t("claims.budgetAccountHint")),
        field("p-reference", t("claims.reference"), input("p-reference")),
        h("button", { type: "submit", id: "payment-submit", text: t("claims.recordPayment") }));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const get = (name) => form.elements[name].value.trim();
        const r = await api("POST", `/projects/${id}/claims/${claimId}/payments`, { paid_on: get("p-paid_on") || null, amount: get("p-amount"), budget_account: get("p-budget_account"), reference: get("p-reference") });
        if (!r.ok) return showFieldProblems(form, message, r.problem, "p-");
        announce(t("claims.paymentRecorded"));
        reload();
      });
      actions.push(form);
    }
    if (c.status === "returned" && project.ok && canPrepareClaim(project.data)) {
      const form = h("form", { id: "resubmit-form", class: "no-print", novalidate: true },
        h("h2", { text: t("claims.resubmit") }),
        field("r-invoice_number", t("claims.invoiceNumber"), input("r-invoice_number", { value: c.invoice_number })),
        field("r-issued_on", t("claims.issuedOn"), input("r-issued_on", { type: "date", value: c.issued_on })),
        field("r-description", t("claims.description"), input("r-description", { value: c.description })),
        h("button", { type: "submit", id: "resubmit-claim", text: t("claims.resubmit") }));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const get = (name) => form.elements[name].value.trim();
        const r = await api("POST", `/projects/${id}/claims/${claimId}/resubmit`, { invoice_number: get("r-invoice_number"), issued_on: get("r-issued_on") || null, description: get("r-description") });
        if (!r.ok) return showFieldProblems(form, message, r.problem, "r-");
        announce(t("claims.submitted"));
        reload();
      });
      actions.push(form);
    }
    const dl = (id, pairs) => h("dl", { class: "invoice-facts", id }, pairs.filter(Boolean).flatMap(([k, v]) => [h("dt", { text: k }), h("dd", {}, v)]));
    page(t("claims.invoiceTitle"),
      h("p", { class: "no-print" }, h("a", { href: `#/projects/${id}`, text: `← ${project.ok ? titleOf(project.data) : t("projects.title")}` }), " ",
        h("button", { type: "button", class: "secondary", id: "print-claim", text: t("claims.print"), onclick: () => window.print() })),
      h("p", { class: "lead" }, badge(c.status), " ", h("strong", { id: "claim-total", text: money(c.total, cur) })),
      c.inspection_overdue ? h("p", { class: "notice", text: t("claims.inspectionOverdue", { day: date(c.inspection_due_on) }) }) : null,
      c.payment_overdue ? h("p", { class: "notice", text: t("claims.paymentOverdue", { day: date(c.payment_due_on), interest: money(c.late_interest_accruing, cur) }) }) : null,
      budgetWarnings.length ? h("ul", { id: "claim-budget-warnings", class: "notice" }, budgetWarnings.map((w) => h("li", { text: budgetWarningText(w, cur) }))) : null,
      message,
      dl("claim-facts", [
        [t("claims.issuer"), `${localName(c, "issuer_name_ja", "issuer_name_en")}`],
        [t("claims.invoiceNumber"), h("code", { text: c.invoice_number })],
        [t("claims.addressedTo"), localName(c, "payer_name_ja", "payer_name_en")],
        [t("claims.issuedOn"), date(c.issued_on)],
        [t("claims.received"), date(c.received_on)],
        [t("claims.description"), c.description],
        [t("run.tranche"), `${c.tranche} · ${date(c.tranche_due_on)} · ${fyLabel(c.fiscal_year)}`],
        [t("claims.statement"), h("span", {}, h("a", { href: `#/projects/${id}/runs/${c.payout_run_id}`, text: t("claims.statementLink") }), " ", h("code", { class: "hash", text: c.statement_sha256.slice(0, 16) }))],
      ]),
      h("h2", { text: t("claims.lines") }),
      table([t("run.component"), t("claims.amount")], c.lines.map((l) => [l.name || l.component, money(l.amount, cur)]), { id: "claim-lines" }),
      table([t("claims.stage"), t("claims.amount")], [
        [t(c.amounts_include_tax ? "claims.netIncluded" : "claims.net"), money(c.net, cur)],
        [t("claims.tax", { rate: percent(Number(c.tax_rate), 2) }), money(c.tax, cur)],
        [t("claims.total"), money(c.total, cur)],
        [t("claims.paid"), money(c.paid, cur)],
        [t("claims.outstanding"), money(c.outstanding, cur)],
      ], { id: "claim-amounts" }),
      h("p", { class: "hint", text: t(c.amounts_include_tax ? "claims.taxIncludedNote" : "claims.taxAddedNote") }),
      h("h2", { text: t("claims.deadlines") }),
      dl("claim-deadlines", [
        [t("claims.inspectionDue"), deadline(c.inspection_due_on, c.inspection_overdue)],
        [t("claims.paymentDue"), deadline(c.payment_due_on, c.payment_overdue)],
        [t("claims.lateRate"), c.late_interest_annual_rate ? percent(Number(c.late_interest_annual_rate), 3) : t("claims.noLateRate")],
        [t("claims.lateOnPayments"), money(c.late_interest_on_payments, cur)],
        [t("claims.lateAccruing"), money(c.late_interest_accruing, cur)],
      ]),
      h("h2", { text: t("claims.inspections") }),
      c.inspections.length ? table([t("claims.inspectedOn"), t("claims.inspector"), t("claims.result"), t("claims.checks"), t("claims.reason")],
        c.inspections.map((i) => [date(i.inspected_on), i.inspected_by, badge(i.result), i.checks.join(" / ") || t("common.none"), i.reason || t("common.none")]), { id: "inspections" }) : h("p", { text: t("claims.noInspection") }),
      h("h2", { text: t("claims.payments") }),
      c.payments.length ? table([t("claims.paidOn"), t("claims.amount"), t("claims.budgetAccount"), t("claims.reference"), t("claims.daysLate"), t("claims.lateInterest")],
        c.payments.map((p) => [date(p.paid_on), money(p.amount, cur), p.budget_account, p.reference, String(p.days_late), money(p.late_interest, cur)]), { id: "payments" }) : h("p", { text: t("claims.noPayment") }),
      explained.length ? h("section", { id: "claim-explanation", class: "print-break" },
        h("h2", { text: t("claims.explanation") }),
        h("p", { class: "hint", text: t("claims.explanationNote", { hash: c.statement_sha256 }) }),
        explained.map((l) => h("div", { class: "explained-line" },
          h("h3", {}, `${partName(l.name, l.component)} `, badge(l.status), ` ${money(l.amount, cur)}`),
          h("p", {}, h("code", { class: "formula", text: said(l.words && l.words.formula, l.explanation.formula) })),
          h("p", { class: "hint", text: `${t("run.rounding")}: ${said(l.words && l.words.rounding, l.explanation.rounding)}` })))) : null,
      actions);
  };

  /** Download a table the server lays out: CSV (UTF-8, or Shift_JIS for older systems) or Excel,
   *  each optionally with 和暦 columns. */
  const downloadLinks = (holderId, path, stem) => {
    const wareki = h("input", { type: "checkbox", id: `${holderId}-wareki` });
    const get = (format, encoding, ext) => () => {
      const q = new URLSearchParams({ format });
      if (encoding) q.set("encoding", encoding);
      if (wareki.checked) q.set("wareki", "true");
      download(`${path}?${q}`, `${stem}.${ext}`);
    };
    return h("p", { id: holderId, class: "downloads no-print" }, h("strong", { text: `${t("dl.title")}: ` }),
      h("button", { type: "button", class: "link", text: t("dl.xlsx"), onclick: get("xlsx", null, "xlsx") }), " · ",
      h("button", { type: "button", class: "link", text: t("dl.csv"), onclick: get("csv", null, "csv") }), " · ",
      h("button", { type: "button", class: "link", text: t("dl.sjis"), onclick: get("csv", "shift_jis", "csv") }), " ",
      wareki, " ", h("label", { for: `${holderId}-wareki`, text: t("dl.wareki") }));
  };

  const viewRun = async (id, runId) => {
    loading();
    const [res, proj] = await Promise.all([api("GET", `/projects/${id}/payout-runs/${runId}`), api("GET", `/projects/${id}`)]);
    if (!res.ok) return page(t("error.title"), problemBox(res.problem));
    const run = res.data;
    const st = run.statement;
    const cur = st.currency;
    // Everything by its name: the project's terms and parties give them; an id is shown only where
    // nothing names it.
    const terms = proj.ok ? proj.data.terms : { tranches: [], metrics: [], investments: [] };
    const parties = proj.ok ? proj.data.parties : [];
    const names = namesOf(terms);
    const { tranche: trancheName, metric: metricName } = names;
    const partyName = (slug) => {
      const p = parties.find((x) => x.slug === slug);
      return p ? localName(p) : slug;
    };
    const investmentName = (iid) => {
      const inv = (terms.investments || []).find((x) => x.id === iid);
      return inv ? `${partyName(inv.investor)} (${t(`instrument.${inv.instrument}`)})` : partyName(iid);
    };
    const ruleName = (rule) => (TEXTS[state.lang][`new.rule.${rule}`] ? t(`new.rule.${rule}`) : rule);
    // An explanation's inputs by their names: a metric by its name (a rate as a percentage), the
    // engine's own inputs in words, an outcome's count with the outcome named.
    const metricById = (mid) => (terms.metrics || []).find((x) => x.id === mid);
    const inputName = (k) => {
      if (metricById(k)) return metricName(k);
      if (TEXTS[state.lang][`run.input.${k}`]) return t(`run.input.${k}`);
      const outcome = /^(.+)\.outcomes_paid$/.exec(k);
      return outcome ? t("run.input.outcomesPaid", { outcome: names.outcome(outcome[1]) }) : k;
    };
    const MONEY_INPUTS = ["amount", "max_amount", "price_per_period", "paid_before_this_tranche", "paid_by_earlier_components"];
    const ON_METRIC = ["target", "none_at", "full_at", "treated", "comparison"];
    const inputValue = (k, v, line = {}) => {
      const m = metricById(ON_METRIC.includes(k) ? line.metric : k);
      if (m) return metricValue(m.unit, v);
      if (MONEY_INPUTS.includes(k)) return money(v, cur);
      if (k === "achieved_on") return date(v);
      if (k === "milestone") return names.milestone(v);
      return /^\d{4,}$/.test(String(v)) ? number(v) : v;
    };
    const kindName = { fee: t("run.kind.fee"), principal: t("inv.principal"), interest: t("inv.interest"), success_fee: t("inv.successFee") };
    const result = h("div", { id: "reproduce-result", "aria-live": "polite" });
    const lines = st.lines.map((l, i) => {
      const ex = l.explanation;
      const w = (run.words || [])[i] || { caps: [], notes: [] };
      return h("details", { class: "line" },
        h("summary", {}, h("span", { class: "line-name", text: partName(l.name, l.component) }), " ", badge(l.status), " ", h("strong", { class: "line-amount", text: money(l.amount, cur) })),
        h("dl", {},
          h("dt", { text: t("run.tranche") }), h("dd", { text: trancheName(l.tranche) }),
          h("dt", { text: t("run.rule") }), h("dd", { text: ruleName(l.rule) }),
          h("dt", { text: t("run.inputs") }), h("dd", {}, h("ul", {}, Object.entries(ex.inputs).map(([k, v]) => h("li", { text: `${inputName(k)} = ${inputValue(k, v, l)}` })))),
          ex.conditions && ex.conditions.length ? [h("dt", { text: t("run.conditions") }), h("dd", {}, h("ul", {}, ex.conditions.map((c) => h("li", { text: `${metricName(c.metric)} ${c.required.replace(/-?\d+(\.\d+)?/, (n) => inputValue(c.metric, n))}: ${c.actual === null || c.actual === undefined ? t("common.none") : inputValue(c.metric, c.actual)} (${c.met ? t("run.met") : t("run.notMet")})` }))))] : null,
          h("dt", { text: t("run.formula") }), h("dd", {}, h("code", { class: "formula", text: said(w.formula, ex.formula) })),
          h("dt", { text: t("run.rounding") }), h("dd", { text: said(w.rounding, ex.rounding) }),
          ex.caps && ex.caps.length ? [h("dt", { text: t("run.caps") }), h("dd", {}, h("ul", {}, ex.caps.map((c, k) => h("li", { text: `${said((w.caps || [])[k], c.cap)} (${money(c.limit, cur)}): ${t("run.reducedBy", { amount: money(c.reduced_by, cur) })}` }))))] : null,
          ex.notes && ex.notes.length ? [h("dt", { text: t("run.notes") }), h("dd", {}, h("ul", {}, ex.notes.map((n, k) => h("li", { text: said((w.notes || [])[k], n) }))))] : null));
    });
    const d = st.distribution;
    const investorRows = d ? d.investors.map((i) => [partyName(i.investor), money(i.drawn, cur), money(i.principal, cur), money(i.interest, cur), money(i.success_fee, cur), money(i.outstanding_principal, cur), i.money_multiple ? `${number(i.money_multiple)}×` : t("common.none"), i.irr ? percent(Number(i.irr), 2) : t("common.none")]) : [];
    page(t("run.title"),
      proj.ok ? h("p", { class: "lead", id: "statement-project", text: titleOf(proj.data) }) : null,
      h("p", { class: "lead" }, h("strong", { text: `${t("run.total")}: ` }), h("span", { id: "statement-total", text: money(st.total, cur) })),
      h("p", { text: `${t("run.asOf")}: ${dateTime(run.as_of)} · ${t("run.terms")}: ${run.terms_version} · ${t("run.engine")}: ${run.engine_version}` }),
      h("p", {}, h("a", { href: `#/projects/${id}`, text: `← ${t("projects.title")}` }), " ",
        h("button", { type: "button", class: "secondary no-print", id: "print-statement", text: t("run.print"), onclick: () => window.print() }), " ",
        h("button", { type: "button", class: "secondary", id: "reproduce", text: t("run.reproduce"), onclick: async () => {
          const r = await api("POST", `/projects/${id}/payout-runs/${runId}/reproduce`, {});
          if (!r.ok) return showProblem(result, r.problem);
          result.replaceChildren(h("p", { class: r.data.matches ? "ok" : "error", text: r.data.matches ? t("run.matches") : t("run.mismatch") }));
        } })),
      result,
      downloadLinks("statement-downloads", `/projects/${id}/payout-runs/${runId}/statement`, `statement-${runId}`),
      h("h2", { text: t("run.byTranche") }),
      table([t("run.tranche"), t("new.dueOn"), t("run.total")], st.tranches.map((x) => [trancheName(x.tranche), date(x.due_on), money(x.total, cur)])),
      h("h2", { text: t("run.byPayer") }),
      table([t("party.outcome_payer"), t("run.total")], st.payers.map((p) => [partyName(p.payer), money(p.total, cur)])),
      h("h2", { text: t("run.lines") }),
      h("p", { class: "hint", text: t("run.explain") }),
      h("div", { id: "statement-lines" }, lines),
      d ? h("h2", { text: t("run.distribution") }) : null,
      d ? table([t("inv.investor"), t("inv.drawn"), t("inv.principal"), t("inv.interest"), t("inv.successFee"), t("inv.outstanding"), t("inv.moic"), t("inv.irr")], investorRows, { id: "investors" }) : null,
      d && d.investors.some((i) => i.projected) ? [h("h3", { text: t("inv.projectedTitle") }), h("p", { class: "hint", text: t("inv.projectedNote") }),
        table([t("inv.investor"), t("inv.projectedCover"), t("inv.projectedLoss"), t("inv.projectedIrr")],
          d.investors.filter((i) => i.projected).map((i) => [partyName(i.investor), money(i.projected.guarantee_cover, cur), money(i.projected.loss, cur), i.projected.irr ? percent(Number(i.projected.irr), 2) : t("common.none")]), { id: "projected" })] : null,
      d && d.other_investors ? h("p", { text: t("inv.others", { count: d.other_investors.investors }) }) : null,
      d ? h("h2", { text: t("run.waterfall") }) : null,
      d ? table([t("run.tranche"), t("run.received"), t("run.distribution"), t("run.retained")], d.tranches.map((x) => [`${trancheName(x.tranche)} (${date(x.date)})`, money(x.received, cur),
        h("ul", {}, x.payments.map((p) => h("li", { text: `${kindName[p.kind] || p.kind} → ${investmentName(p.to)}: ${money(p.amount, cur)}` }))), orWithheld(x.retained, cur)]), { id: "waterfall" }) : null);
  };

  // ---- Outcome data (evaluators) ----------------------------------------------------------

  /** Why an import stored nothing: each problem by its place in the file, in the user's language. */
  const importErrors = (res, tableId) => {
    const errors = (res.problem.errors || []).map((e) => [placeOf(e), e.message]);
    return h("div", { class: "error", role: "alert" }, h("p", { class: "error-title", text: res.status === 422 ? t("data.importErrors") : problemBox(res.problem).textContent }),
      errors.length ? table([t("data.where"), t("data.expected")], errors, { id: tableId }) : null);
  };

  const viewData = async (id) => {
    loading();
    const [project, results, batches] = await Promise.all([api("GET", `/projects/${id}`), api("GET", `/projects/${id}/outcome-results`), api("GET", `/projects/${id}/outcome-batches`)]);
    if (!project.ok) return page(t("error.title"), problemBox(project.problem));
    const terms = project.data.terms;
    const message = h("div", { id: "data-message", "aria-live": "polite" });
    const milestones = terms.components.filter((c) => c.rule.type === "fixed" && c.rule.milestone).map((c) => c.rule.milestone);
    const names = namesOf(terms);
    const choices = [...terms.metrics.map((m) => [m.id, localName(m.name, "ja", "en")]), ...milestones.map((m) => [`milestone:${m}`, `${t("data.kind.milestone")}: ${names.milestone(m)}`])];
    const current = results.ok ? results.data.filter((r) => r.status === "verified" && !r.superseded_at) : [];
    const form = h("form", { id: "result-form", novalidate: true },
      field("r-metric", t("data.metricOrMilestone"), select("r-metric", choices)),
      field("r-tranche", t("data.tranche"), select("r-tranche", [["", t("data.any")], ...terms.tranches.map((x) => [x.id, `${x.id} (${date(x.due_on)})`])])),
      field("r-value", t("data.value"), input("r-value", { inputmode: "decimal" }), t("valid.decimal")),
      field("r-numerator", t("data.numerator"), input("r-numerator", { inputmode: "decimal" })),
      field("r-denominator", t("data.denominator"), input("r-denominator", { inputmode: "decimal" })),
      field("r-achieved", t("data.achievedOn"), input("r-achieved", { type: "date" })),
      field("r-evidence", t("data.evidence"), input("r-evidence")),
      field("r-evidence-file", t("data.evidenceFile"), input("r-evidence-file", { type: "file", accept: ".pdf,.xlsx,.csv,.png,.jpg,.jpeg" }), t("data.evidenceFileHint")),
      field("r-supersedes", t("data.supersedes"), select("r-supersedes", [["", t("common.none")], ...current.map((r) => [String(r.id), `#${r.id} ${names.record(r)} ${r.tranche ? names.tranche(r.tranche) : ""} = ${r.value ?? `${r.numerator}/${r.denominator}`}`])])),
      field("r-reason", t("data.correctionReason"), input("r-reason")),
      h("button", { type: "submit", id: "result-submit", text: t("data.saveSubmit") }));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const get = (name) => form.elements[name].value.trim();
      let ok = true;
      for (const name of ["r-value", "r-numerator", "r-denominator"]) {
        const bad = get(name) && !/^-?\d+(\.\d+)?$/.test(get(name));
        form.querySelector(`#${name}-error`).textContent = bad ? t("valid.decimal") : "";
        form.elements[name].setAttribute("aria-invalid", bad ? "true" : "false");
        if (bad) ok = false;
      }
      if (!ok) return showProblem(message, { type: "/problems/validation-failed", errors: [] });
      const metric = get("r-metric");
      const body = metric.startsWith("milestone:")
        ? { kind: "milestone", metric: metric.slice(10), achieved_on: get("r-achieved") || null, evidence: get("r-evidence") || null }
        : { metric, tranche: get("r-tranche") || null, value: get("r-value") || null, numerator: get("r-numerator") || null, denominator: get("r-denominator") || null, evidence: get("r-evidence") || null };
      if (get("r-supersedes")) Object.assign(body, { supersedes: Number(get("r-supersedes")), correction_reason: get("r-reason") || null });
      const created = await api("POST", `/projects/${id}/outcome-results`, body, { headers: { "idempotency-key": submissionKey(form, JSON.stringify(body)) } });
      if (!created.ok) return showProblem(message, created.problem);
      submissionDone(form);
      const evidenceFile = form.elements["r-evidence-file"].files[0];
      if (evidenceFile) {
        const attached = await attachEvidence(id, "outcome-results", created.data.id, evidenceFile);
        if (!attached.ok) {
          // Not kept without the evidence it was entered with: the draft goes, the form stays filled.
          await api("DELETE", `/projects/${id}/outcome-results/${created.data.id}`);
          showProblem(message, attached.problem);
          message.append(h("p", { id: "result-not-saved", text: t("data.notSavedWithoutEvidence") }));
          return;
        }
      }
      const submitted = await api("POST", `/projects/${id}/outcome-results/${created.data.id}/submit`, {});
      if (!submitted.ok) return showProblem(message, submitted.problem);
      announce(t("data.saved"));
      viewData(id).then(() => document.getElementById("data-message").replaceChildren(h("p", { class: "ok", text: t("data.saved") })));
    });

    const upload = h("form", { id: "upload-form" },
      field("csv-file", t("data.file"), input("csv-file", { type: "file", accept: ".csv,.xlsx,text/csv" })),
      h("button", { type: "submit", id: "upload-submit", text: t("data.import") }));
    const uploadResult = h("div", { id: "upload-result", "aria-live": "polite" });
    upload.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const file = upload.elements["csv-file"].files[0];
      if (!file) return;
      const bytes = await file.arrayBuffer();
      const content = `${file.name}|${file.size}|${file.lastModified}`;
      let res = await api("POST", `/projects/${id}/outcome-batches?name=${encodeURIComponent(file.name)}`, bytes, { contentType: tableType(file), headers: { "idempotency-key": submissionKey(upload, content) } });
      // A large file is stored by a job: follow it, then read its answer as the import's.
      if (res.ok && res.status === 202) {
        uploadResult.replaceChildren(h("p", { text: t("data.importQueued") }));
        res = await jobAnswer(res.data);
      }
      if (res.ok) submissionDone(upload);
      if (!res.ok) return uploadResult.replaceChildren(importErrors(res, "import-errors"));
      await api("POST", `/projects/${id}/outcome-batches/${res.data.id}/submit`, {});
      uploadResult.replaceChildren(h("p", { class: "ok", text: t("data.imported", { rows: res.data.row_count }) }));
    });

    const resultsImport = h("form", { id: "results-import-form" },
      h("p", {}, t("data.templateIntro"), " ",
        h("button", { type: "button", class: "link", id: "template-xlsx", text: t("data.templateXlsx"), onclick: () => download(`/projects/${id}/outcome-results/template?format=xlsx`, `${terms.code}-results-template.xlsx`) }), " · ",
        h("button", { type: "button", class: "link", id: "template-csv", text: t("data.templateCsv"), onclick: () => download(`/projects/${id}/outcome-results/template?format=csv`, `${terms.code}-results-template.csv`) })),
      field("results-file", t("data.resultsFile"), input("results-file", { type: "file", accept: ".csv,.xlsx,text/csv" }), t("data.resultsFileHint")),
      field("results-evidence", t("data.importEvidence"), input("results-evidence", { type: "file", accept: ".pdf,.xlsx,.csv,.png,.jpg,.jpeg" })),
      field("results-correction", t("data.importCorrection"), input("results-correction")),
      h("p", {}, h("input", { type: "checkbox", id: "results-submit-now", checked: true }), " ", h("label", { for: "results-submit-now", text: t("data.submitNow") })),
      h("button", { type: "submit", id: "results-import-submit", text: t("data.import") }));
    const resultsImportResult = h("div", { id: "results-import-result", "aria-live": "polite" });
    resultsImport.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const file = resultsImport.elements["results-file"].files[0];
      if (!file) return;
      const bytes = await file.arrayBuffer();
      const params = new URLSearchParams({ name: file.name, submit: String(document.getElementById("results-submit-now").checked) });
      const reason = resultsImport.elements["results-correction"].value.trim();
      if (reason) params.set("correction_reason", reason);
      const content = `${file.name}|${file.size}|${file.lastModified}|${params}`;
      const res = await api("POST", `/projects/${id}/outcome-results/import?${params}`, bytes, { contentType: tableType(file), headers: { "idempotency-key": submissionKey(resultsImport, content) } });
      if (!res.ok) return resultsImportResult.replaceChildren(importErrors(res, "results-import-errors"));
      submissionDone(resultsImport);
      const evidence = resultsImport.elements["results-evidence"].files[0];
      const problems = [];
      if (evidence) {
        for (const r of res.data.results) {
          const attached = await attachEvidence(id, "outcome-results", r.id, evidence);
          if (!attached.ok) problems.push(attached.problem);
        }
      }
      const report = res.data;
      await viewData(id);
      const holder = document.getElementById("results-import-result");
      holder.replaceChildren(
        h("p", { class: "ok", text: t("data.resultsImported", { count: report.results.length, file: report.file_name }) }),
        problems.length ? problemBox(problems[0]) : null,
        report.readings.length ? h("div", {}, h("h3", { text: t("data.readings") }),
          table([t("data.where"), t("data.written"), t("data.readAs"), t("data.how")], report.readings.map((r) => [state.lang === "ja" ? r.place_ja || r.place : r.place, r.written, r.read_as, state.lang === "ja" ? r.how_ja : r.how_en]), { id: "import-readings" })) : null,
        report.skipped_rows.length ? h("p", { text: t("data.skipped", { rows: report.skipped_rows.join(", ") }) }) : null);
      announce(t("data.resultsImported", { count: report.results.length, file: report.file_name }));
    });

    const erasure = h("form", { id: "erasure-form" },
      h("p", { class: "hint", text: t("erasure.intro") }),
      field("erase-participant", t("erasure.participant"), input("erase-participant", { autocomplete: "off" })),
      field("erase-reason", t("erasure.reason"), input("erase-reason")),
      h("button", { type: "submit", class: "secondary", id: "erase-submit", text: t("erasure.submit") }));
    const erasureResult = h("div", { id: "erasure-result", "aria-live": "polite" });
    erasure.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const participant = erasure.elements["erase-participant"].value.trim();
      if (!participant || !window.confirm(t("erasure.confirm", { participant }))) return;
      const res = await api("POST", `/projects/${id}/participant-erasures`, { participant, reason: erasure.elements["erase-reason"].value });
      if (!res.ok) return showProblem(erasureResult, res.problem);
      erasure.reset();
      erasureResult.replaceChildren(h("p", { class: "ok", text: t("erasure.done", { kept: res.data.records_pseudonymised, deleted: res.data.records_deleted, jobs: res.data.jobs_scrubbed, pseudonym: res.data.pseudonym }) }));
    });

    const recordRows = (results.ok ? results.data : []).map((r) => [`#${r.id} ${names.record(r)}`, r.tranche ? names.tranche(r.tranche) : t("common.none"), r.value ?? (r.numerator ? `${r.numerator}/${r.denominator}` : r.achieved_on || ""), badge(r.status), h("a", { href: `#/projects/${id}/records/${r.id}`, text: t("data.history") })]);
    const batchRows = (batches.ok ? batches.data : []).map((b) => [`#${b.id} ${b.source_name}`, t("data.batch", { rows: b.row_count }), badge(b.status)]);
    page(`${t("data.title")}: ${titleOf(project.data)}`,
      h("p", {}, h("a", { href: `#/projects/${id}`, text: `← ${titleOf(project.data)}` })),
      message,
      state.user.role === "evaluator" ? [h("h2", { text: t("data.enter") }), form,
        h("h2", { text: t("data.resultsImport") }), resultsImport, resultsImportResult,
        h("h2", { text: t("data.upload") }), upload, uploadResult,
        h("h2", { text: t("erasure.title") }), erasure, erasureResult] : null,
      h("h2", { text: t("data.records") }),
      downloadLinks("data-downloads", `/projects/${id}/outcome-data`, `outcome-data-${id}`),
      table([t("project.metric"), t("data.tranche"), t("data.value"), t("project.status"), ""], recordRows, { id: "records" }),
      batchRows.length ? table([t("data.file"), "", t("project.status")], batchRows) : null);
  };

  const viewHistory = async (id, recordId) => {
    const res = await api("GET", `/projects/${id}/outcome-results/${recordId}/history`);
    if (!res.ok) return page(t("error.title"), problemBox(res.problem));
    page(`${t("data.history")} #${recordId}`,
      h("p", {}, h("a", { href: `#/projects/${id}/data`, text: `← ${t("data.title")}` })),
      table([t("data.when"), t("data.action"), t("data.who"), t("history.details")], res.data.map((e) => [dateTime(e.at), actionWords(e.action), e.actor_name || t("history.system"), auditDetails(e)]), { id: "history" }));
  };

  /** An audit action as words; an action without words yet keeps its name. */
  const actionWords = (action) => {
    const key = `audit.${action}`;
    const text = t(key);
    return text === key ? action : text;
  };

  /** What an audit entry changed, read from its state: the figures, the status, the reasons and
   *  files, in the reader's language, never the raw JSON. */
  const auditDetails = (e) => {
    let after = {};
    try { after = JSON.parse(e.after_state || "{}") || {}; } catch (_) { after = {}; }
    const parts = [];
    if (after.value) parts.push(`${t("data.value")}: ${after.value}`);
    if (after.numerator) parts.push(`${t("verify.derivation")}: ${after.numerator} / ${after.denominator}`);
    if (after.achieved_on) parts.push(`${t("data.achievedOn")}: ${date(after.achieved_on)}`);
    if (after.status && !after.value) parts.push(`${t("project.status")}: ${t(`status.${after.status}`)}`);
    if (after.reason) parts.push(`${t("history.reason")}: ${after.reason}`);
    if (after.correction_reason) parts.push(`${t("data.correctionReason")}: ${after.correction_reason}`);
    if (after.file_name) parts.push(`${t("data.evidenceFile")}: ${after.file_name}${after.sha256 ? ` (SHA-256 ${after.sha256.slice(0, 16)}…)` : ""}`);
    return parts.join(" · ") || t("common.none");
  };

  /** What a batch changes in the payout: computed by the server on request (two engine runs). */
  const batchEffect = (b) => {
    const holder = h("p", { class: "batch-effect" }, h("strong", { text: `${t("verify.payoutEffect")}: ` }), t("common.loading"));
    api("GET", `/projects/${b.project.id}/outcome-batches/${b.id}/payout-effect`).then((r) => {
      holder.replaceChildren(h("strong", { text: `${t("verify.payoutEffect")}: ` }),
        r.ok ? t("verify.payoutWithWithout", { without: money(r.data.without, r.data.currency), with: money(r.data.with, r.data.currency) }) : problemBox(r.problem));
    });
    return holder;
  };

  /** A batch's sample check: draw once (seeded), then a finding per sampled record; the rate and
   *  what it means for verification come from the server. */
  const sampleCheck = (b, message) => {
    const holder = h("section", { class: "sample-check", "aria-labelledby": `sample-title-${b.id}` });
    const base = `/projects/${b.project.id}/outcome-batches/${b.id}/sample`;
    const render = (sample) => {
      const title = h("h3", { id: `sample-title-${b.id}`, text: t("sample.title") });
      if (!sample) {
        const form = h("form", { class: "sample-draw" },
          h("p", { text: t("sample.intro") }),
          field(`sample-seed-${b.id}`, t("sample.seed"), input(`sample-seed-${b.id}`)),
          field(`sample-kind-${b.id}`, t("sample.kind"), select(`sample-kind-${b.id}`, [["count", t("sample.kind.count")], ["share", t("sample.kind.share")]])),
          field(`sample-size-${b.id}`, t("sample.size"), input(`sample-size-${b.id}`, { inputmode: "decimal", value: "10" })),
          h("button", { type: "submit", class: "secondary", text: t("sample.draw") }));
        form.addEventListener("submit", async (ev) => {
          ev.preventDefault();
          const seed = form.querySelector(`#sample-seed-${b.id}`).value.trim();
          const kind = form.querySelector(`#sample-kind-${b.id}`).value;
          const size = form.querySelector(`#sample-size-${b.id}`).value.trim();
          const body = { seed: seed || null, size: kind === "count" ? { kind: "count", count: Number.parseInt(size, 10) || 0 } : { kind: "share_per_cohort", share: size } };
          const r = await api("POST", base, body);
          if (!r.ok) return showProblem(message, r.problem);
          render(r.data);
        });
        return holder.replaceChildren(title, form);
      }
      const rate = sample.discrepancy_rate === null ? t("common.none") : percent(Number(sample.discrepancy_rate), 1);
      const rows = sample.records.map((r) => {
        const noteId = `sample-note-${r.id}`;
        const record = async (finding) => {
          const note = document.getElementById(noteId).value.trim();
          const res = await api("PUT", `${base}/records/${r.id}`, { finding, note: note || null });
          if (!res.ok) return showProblem(message, res.problem);
          render(res.data);
        };
        return [String(r.position), r.participant, r.outcome, date(r.achieved_on), r.stratum || t("common.none"),
          r.finding ? h("span", { class: `finding finding-${r.finding}`, text: t(r.finding === "confirmed" ? "sample.confirm" : "sample.discrepant") }) : t("sample.unchecked"),
          h("div", { class: "inline" },
            h("label", { for: noteId, class: "visually-hidden", text: t("sample.note") }),
            h("input", { id: noteId, class: "sample-note", placeholder: t("sample.note"), value: r.note || "" }),
            h("button", { type: "button", class: "secondary sample-confirm", text: t("sample.confirm"), onclick: () => record("confirmed") }),
            h("button", { type: "button", class: "secondary sample-discrepant", text: t("sample.discrepant"), onclick: () => record("discrepant") }))];
      });
      holder.replaceChildren(title,
        h("p", { class: "sample-summary", text: t("sample.summary", { seed: sample.seed, sampled: sample.sampled, population: sample.population, who: sample.drawn_by, when: dateTime(sample.drawn_at) }) }),
        h("p", { class: "sample-rate", text: t("sample.rate", { discrepant: sample.discrepant, checked: sample.checked, rate }) }),
        h("p", { text: sample.tolerance === null ? t("sample.noTolerance") : t("sample.tolerance", { tolerance: percent(Number(sample.tolerance), 2) }) }),
        sample.exceeds_tolerance ? h("p", { class: "warning", role: "status", text: t("sample.exceeds") }) : null,
        table(["#", t("verify.participant"), t("verify.outcome"), t("data.achievedOn"), t("sample.cohort"), t("sample.finding"), ""], rows, { class: "sample-records" }));
    };
    holder.append(h("p", { text: t("common.loading") }));
    api("GET", base).then((r) => (r.ok ? render(r.data) : holder.replaceChildren(problemBox(r.problem))));
    return holder;
  };

  /** The queue's filter (a project's code or title), kept while the person works through it. */
  let queueSearch = "";
  const viewQueue = async () => {
    loading();
    const res = await api("GET", `/work${queueSearch ? `?${new URLSearchParams({ q: queueSearch })}` : ""}`);
    if (!res.ok) return page(t("error.title"), problemBox(res.problem));
    const message = h("div", { id: "queue-message", "aria-live": "polite" });
    const act = (project, kind, id, reasonId) => async (verb) => {
      const reason = document.getElementById(reasonId).value.trim();
      // A verification may carry a reason: a batch above its sample's tolerance needs one.
      const body = verb === "reject" || (verb === "verify" && reason) ? { reason } : {};
      const r = await api("POST", `/projects/${project}/${kind}/${id}/${verb}`, body);
      if (!r.ok) return showProblem(message, r.problem);
      viewQueue();
    };
    const buttons = (project, kind, id) => {
      const reasonId = `reason-${kind}-${id}`;
      const go = act(project, kind, id, reasonId);
      // Verifying and rejecting cannot be undone: neither is a primary button, and each asks first.
      const row = h("div", { class: "inline review-actions" });
      const choose = () => row.replaceChildren(
        h("button", { type: "button", class: "secondary reject", text: t("data.reject"), onclick: () => ask("reject") }),
        h("button", { type: "button", class: "secondary verify", text: t("data.verify"), onclick: () => ask("verify") }));
      const ask = (verb) => {
        row.replaceChildren(
          h("span", { class: "confirm-text", role: "alert", text: t(`data.confirm.${verb}`) }),
          h("button", { type: "button", class: `confirm-review ${verb === "reject" ? "danger" : ""}`, text: t(`data.${verb}`), onclick: async () => { await go(verb); choose(); } }),
          h("button", { type: "button", class: "secondary cancel-review", text: t("common.cancel"), onclick: choose }));
        row.querySelector(".confirm-review").focus();
      };
      choose();
      return h("div", { class: "inline" },
        h("label", { for: reasonId, class: "visually-hidden", text: t("data.reviewReason") }),
        h("input", { id: reasonId, class: "review-reason", placeholder: t("data.reviewReason") }),
        row);
    };
    const pt = (p) => localName(p, "title_ja", "title_en");
    const results = res.data.to_verify.map((r) => h("section", { class: "card verify-item", "data-id": r.id },
      h("h2", {}, `${pt(r.project)}: ${localName(r, "metric_name_ja", "metric_name_en") || r.metric}${r.tranche ? ` · ${localName(r, "tranche_name_ja", "tranche_name_en") || r.tranche}` : ""}`),
      h("dl", { class: "invoice-facts" }, [
        [t("verify.value"), r.value ?? r.achieved_on ?? t("common.none")],
        r.numerator ? [t("verify.derivation"), `${r.numerator} / ${r.denominator}`] : null,
        [t("project.target"), r.target ?? t("common.none")],
        r.baseline ? [t("project.baseline"), r.baseline] : null,
        [t("project.achievement"), r.achievement === null ? t("common.none") : percent(Number(r.achievement))],
        [t("verify.previous"), r.previous_value ? `${r.previous_value} (${t("verify.change")} ${r.change})` : t("verify.noPrevious")],
        r.metric_definition ? [t("verify.definition"), r.metric_definition] : null,
        [t("verify.enteredBy"), `${r.entered_by} · ${dateTime(r.entered_at)}`],
        [t("data.evidence"), r.evidence || t("common.none")],
        [t("data.evidenceFile"), evidenceList(r.project.id, r.evidence_files)],
        r.correction_reason ? [t("data.correctionReason"), r.correction_reason] : null,
      ].filter(Boolean).flatMap(([k, v]) => [h("dt", { text: k }), typeof v === "object" ? h("dd", {}, v) : h("dd", { text: String(v) })])),
      buttons(r.project.id, "outcome-results", r.id)));
    const batches = res.data.batches_to_verify.map((b) => h("section", { class: "card verify-item", "data-id": b.id },
      h("h2", {}, `${pt(b.project)}: ${b.source_name}`),
      h("p", {}, `${t("data.batch", { rows: b.row_count })} · SHA-256 `, h("code", { class: "hash", text: b.source_sha256 })),
      h("p", { text: `${t("verify.enteredBy")}: ${b.entered_by} · ${dateTime(b.entered_at)}` }),
      h("div", {}, h("strong", { text: `${t("data.evidenceFile")}: ` }), evidenceList(b.project.id, b.evidence_files)),
      batchEffect(b),
      table([t("verify.outcome"), t("project.fiscalYear"), t("verify.count")], b.counts.map((c) => [c.outcome, fyLabel(c.fiscal_year), String(c.count)]), { class: "batch-counts" }),
      h("details", {}, h("summary", { text: t("verify.firstRows") }),
        table([t("verify.participant"), t("verify.outcome"), t("data.achievedOn")], b.first_rows.map((r) => [r.participant, r.outcome, date(r.achieved_on)]))),
      sampleCheck(b, message),
      buttons(b.project.id, "outcome-batches", b.id)));
    const all = [...results, ...batches];
    const filter = h("form", { id: "queue-filter", class: "filters no-print", novalidate: true },
      field("qf-q", t("projects.search"), input("qf-q", { type: "search", value: queueSearch, autocomplete: "off" })),
      h("button", { type: "submit", id: "queue-search", class: "secondary", text: t("common.search") }));
    filter.addEventListener("submit", (ev) => { ev.preventDefault(); queueSearch = filter.elements["qf-q"].value.trim(); viewQueue(); });
    page(t("data.queue"), filter, message, all.length ? h("div", { id: "queue" }, all)
      : h("p", { id: "queue-empty", text: queueSearch ? t("data.queueEmptyFiltered") : t("data.queueEmpty") }));
  };

  // ---- Investors --------------------------------------------------------------------------

  /** One invested project in the portfolio: the organization's own position, distributions and
   *  cash flows, all the server's figures. */
  const portfolioSection = (p, data) => {
    const cur = data.project.currency;
    const statement = data.latest && data.latest.statement;
    const summary = statement && statement.distribution ? statement.distribution.investors[0] : null;
    const flows = data.figures ? data.figures.own_cash_flows : [];
    const own = localName(state.user.organization);
    return [
      summary ? table([t("inv.investor"), t("inv.drawn"), t("inv.principal"), t("inv.interest"), t("inv.successFee"), t("inv.outstanding"), t("inv.moic"), t("inv.irr")],
        [[own, money(summary.drawn, cur), money(summary.principal, cur), money(summary.interest, cur), money(summary.success_fee, cur), money(summary.outstanding_principal, cur),
          summary.money_multiple ? `${number(summary.money_multiple)}×` : t("common.none"), summary.irr ? percent(Number(summary.irr), 2) : t("common.none")]], { class: "portfolio-table" }) : h("p", { text: t("portfolio.none") }),
      statement && statement.distribution && statement.distribution.other_investors ? h("p", { text: t("inv.others", { count: statement.distribution.other_investors.investors }) }) : null,
      data.distributions ? table([t("dist.stage"), t("claims.amount")], [
        [t("dist.ownComputed"), money(data.distributions.own.computed, cur)],
        [t("dist.ownDue"), money(data.distributions.own.due, cur)],
        [t("dist.ownPaid"), money(data.distributions.own.paid, cur)],
      ], { class: "distribution-totals" }) : null,
      data.distributions ? downloadLinks(`investor-statement-${p.project_id}`, `/projects/${p.project_id}/investor-statement`, `${p.code}-investor-statement`) : null,
      flows.length ? cashFlowChart(flows, cur) : null,
      data.latest ? h("p", {}, h("a", { href: `#/projects/${p.project_id}/runs/${data.latest.id}`, text: t("run.waterfall") })) : null,
    ];
  };

  /** The portfolio: the dashboard's figures for every invested project at once; each project's
   *  details are loaded in parallel for the first ten and on opening for the rest, never one
   *  project after another. */
  const viewPortfolio = async () => {
    loading();
    const dash = await api("GET", "/dashboards/investor");
    if (!dash.ok) return page(t("portfolio.title"), problemBox(dash.problem));
    const mine = dash.data.projects;
    const EAGER = 10;
    const loaded = await Promise.all(mine.slice(0, EAGER).map((p) => loadProject(p.project_id)));
    const sections = mine.map((p, i) => {
      const title = h("h2", {}, h("a", { href: `#/projects/${p.project_id}`, text: titleOf(p) }));
      if (i < EAGER) return loaded[i].problem ? null : h("section", { class: "card" }, title, portfolioSection(p, loaded[i]));
      const body = h("div", {}, h("p", { text: t("common.loading") }));
      const more = h("details", { class: "card portfolio-more" }, h("summary", {}, titleOf(p)), body);
      more.addEventListener("toggle", async () => {
        if (!more.open || more.dataset.loaded) return;
        more.dataset.loaded = "1";
        const data = await loadProject(p.project_id);
        body.replaceChildren(...(data.problem ? [problemBox(data.problem)] : [title, ...portfolioSection(p, data)].filter((x) => x)));
      });
      return more;
    });
    page(t("portfolio.title"), investorOverview(dash.data),
      h("div", { id: "portfolio" }, sections.some((x) => x) ? sections : h("p", { text: t("portfolio.none") })));
  };

  /** Every investment at a glance, as the server computes it: totals per currency (never summed
   *  across currencies), then one row per project. */
  const investorOverview = (d) => {
    if (!d.projects.length) return null;
    const ratio = (x) => (x === null || x === undefined ? t("common.none") : `${number(x)}×`);
    // IRRs always with two decimals (1.00 %, never "1%"), as the server rounds them.
    const irr = (x) => (x === null || x === undefined ? t("common.none")
      : new Intl.NumberFormat(locale(), { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(Number(x)));
    return h("section", { id: "investor-overview", "aria-labelledby": "overview-title" },
      h("h2", { id: "overview-title", text: t("dash.overview") }),
      downloadLinks("investor-downloads", "/dashboards/investor/download", "investments"),
      table([t("dash.currency"), t("dash.projects"), t("dash.committed"), t("inv.drawn"), t("dash.undrawn"), t("dist.ownComputed"), t("dist.ownDue"), t("dist.ownPaid"), t("inv.outstanding"), "DPI"],
        d.totals.map((x) => [x.currency, String(x.projects), money(x.committed, x.currency), money(x.drawn, x.currency), money(x.undrawn, x.currency), money(x.distributions_computed, x.currency),
          money(x.distributions_due, x.currency), money(x.distributions_paid, x.currency), money(x.outstanding_principal, x.currency), ratio(x.dpi)]), { id: "investor-totals" }),
      table([t("projects.title"), t("dash.committed"), t("inv.drawn"), t("dist.ownPaid"), t("inv.outstanding"), "DPI", t("inv.moic"), t("inv.irr"), t("dash.projectedIrr"), t("dash.nextPayment")],
        d.projects.map((x) => [h("a", { href: `#/projects/${x.project_id}`, text: localName(x, "title_ja", "title_en") }), money(x.committed, x.currency), money(x.drawn, x.currency),
          money(x.distributions_paid, x.currency), money(x.outstanding_principal, x.currency), ratio(x.dpi), ratio(x.money_multiple), irr(x.irr),
          x.projected_irr_low || x.projected_irr_high ? `${irr(x.projected_irr_low)} – ${irr(x.projected_irr)} – ${irr(x.projected_irr_high)}` : irr(x.projected_irr),
          date(x.next_payment_on)]), { id: "investor-projects" }),
      unitHoldings(d.projects, ratio));
  };

  /** Holdings in units (retail investments): the server's per-unit figures, one row per holding. */
  const unitHoldings = (projects, ratio) => {
    const rows = projects.flatMap((x) => (x.unit_holdings || []).map((u) => [
      h("a", { href: `#/projects/${x.project_id}`, text: localName(x, "title_ja", "title_en") }),
      t("units.count", { count: number(u.units) }), money(u.unit_price, x.currency), money(u.distributed_per_unit, x.currency), ratio(u.multiple_per_unit),
      u.max_per_unit ? money(u.max_per_unit, x.currency) : t("common.none"), u.max_reached ? t("common.yes") : t("common.no"),
      money(u.remainder_carried, x.currency), money(u.remainder_retained, x.currency)]));
    if (!rows.length) return null;
    return h("div", { id: "unit-holdings" }, h("h3", { text: t("units.title") }), h("p", { class: "hint", text: t("units.hint") }),
      table([t("projects.title"), t("units.units"), t("units.price"), t("units.perUnit"), t("units.multiple"), t("units.max"), t("units.maxReached"), t("units.carried"), t("units.retained")],
        rows, { id: "unit-holdings-table" }));
  };

  // ---- Government staff: the contract editor (register and amend) ---------------------------
  //
  // One structured editor for the whole contract, driven by a description of the contract format
  // (EDITOR_SPEC): every field is bound to its place in the terms, so the server's problems, which
  // name a JSON path (`terms.components[2].rule.max_amount`), land beside the field that holds it.
  // The engine on the server checks and previews; nothing here computes money.

  const CURRENCIES = ["JPY", "USD", "GBP", "EUR", "AUD", "CAD"];
  const INSTRUMENTS = ["senior_loan", "subordinated_loan", "equity", "grant", "guarantee"];
  const CLASSES = ["senior", "subordinated", "equity"];

  /** A fraction as a percentage and back, by moving the decimal point in the text (exact, no
   *  floating point): "0.80" ⇄ "80", "0.329" ⇄ "32.9", "1" ⇄ "100". */
  const shiftPoint = (text, places) => {
    const m = /^(\d*)(?:\.(\d*))?$/.exec(text);
    if (!m || (!m[1] && !m[2])) return null;
    let digits = (m[1] || "0") + (m[2] || "");
    let point = (m[1] || "0").length + places;
    if (point <= 0) { digits = "0".repeat(1 - point) + digits; point = 1; }
    while (digits.length < point) digits += "0";
    let whole = digits.slice(0, point).replace(/^0+(?=\d)/, "");
    const frac = digits.slice(point);
    return frac ? `${whole}.${frac}` : whole;
  };
  const toPercent = (fraction) => {
    if (fraction === undefined || fraction === null || fraction === "") return "";
    const shown = shiftPoint(String(fraction), 2);
    return shown === null ? String(fraction) : shown.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
  };
  const fromPercent = (text) => (text === "" ? "" : shiftPoint(text, -2) ?? text);

  // Field kinds: text, loc ({ja, en}), date, money (whole minor units), dec, pct (a fraction
  // entered as a percentage), mval (a value of the metric in context: a percentage for rates),
  // int, bool, sel, list, variant (a tagged object: rule, pay, waterfall step), opt (an optional
  // object switched on by a check box).
  const f = (kind, key, label, more = {}) => ({ kind, key, label, ...more });
  const metricOptions = (terms, optional) => [...(optional ? [["", t("common.none")]] : []), ...(terms.metrics || []).map((m) => [m.id, localName(m.name || {}, "ja", "en") || m.id])];
  const trancheOptions = (terms) => (terms.tranches || []).map((x) => [x.id, partName(x.name, x.id)]);
  const STEPS = f("list", "steps", "ed.steps", { item: "ed.step", row: true, blank: () => ({ at: "", amount: "" }), fields: [f("mval", "at", "ed.at"), f("money", "amount", "new.amount")] });
  const RULE_FIELDS = {
    fixed: [f("money", "amount", "new.amount"), f("text", "milestone", "ed.milestone", { hint: "ed.milestoneHint" }), f("name", "milestone_name", "ed.milestoneName")],
    rate_card: [f("sel", "metric", "project.metric", { options: (terms) => metricOptions(terms, true), structural: true }), f("money", "cap_per_participant", "ed.capPerParticipant"),
      f("money", "cap_per_participant_per_year", "ed.capPerParticipantPerYear"),
      f("list", "outcomes", "ed.outcomes", { item: "ed.outcome", row: true, blank: () => ({ outcome: "", price: "" }),
        fields: [f("text", "outcome", "ed.outcomeName"), f("name", "name", "ed.outcomeLabel"), f("money", "price", "ed.price"), f("int", "max_per_participant", "ed.maxPerParticipant"),
          f("int", "min_days_between", "ed.minDaysBetween"), f("int", "waiting_days", "ed.waitingDays"), f("money", "cap", "ed.cap")] })],
    person_period: [f("sel", "metric", "project.metric", { options: (terms) => metricOptions(terms, true), structural: true }), f("text", "state", "ed.state"), f("money", "price_per_period", "ed.pricePerPeriod"), f("int", "max_periods_per_participant", "ed.maxPeriods")],
    tiered: [f("sel", "metric", "project.metric", { options: metricOptions, structural: true }), STEPS],
    linear: [f("sel", "metric", "project.metric", { options: metricOptions, structural: true }), f("mval", "target", "project.target"), f("money", "max_amount", "new.maxAmount"), f("pct", "floor_ratio", "ed.floorRatio"),
      f("bool", "uncapped", "ed.uncapped")],
    corridor: [f("sel", "metric", "project.metric", { options: metricOptions, structural: true }), f("mval", "none_at", "new.noneAt"), f("mval", "full_at", "new.fullAt"), f("money", "max_amount", "new.maxAmount"), STEPS],
    comparison: [f("sel", "metric", "project.metric", { options: metricOptions, structural: true }), f("sel", "effect", "ed.effect", { options: () => ["absolute", "relative"].map((x) => [x, t(`ed.effect.${x}`)]) }),
      f("list", "blend", "ed.blend", { item: "ed.estimate", row: true, blank: () => ({ source: "", weight: "" }), fields: [f("text", "source", "ed.source"), f("pct", "weight", "ed.weight")] }),
      f("variant", "pay", "ed.pay", { typeName: (x) => t(`ed.pay.${x}`), types: { threshold: [f("dec", "at_least", "ed.atLeast"), f("money", "amount", "new.amount")], tiers: [STEPS], per_unit: [f("money", "price", "ed.price"), f("bool", "per_participant", "ed.perParticipant"), f("dec", "at_least", "ed.gateAtLeast")] },
        blank: (type) => (type === "threshold" ? { type, at_least: "", amount: "" } : type === "tiers" ? { type, steps: [] } : { type, price: "" }) })],
    savings_share: [f("sel", "metric", "project.metric", { options: metricOptions, structural: true }), f("pct", "share_before", "ed.shareBefore"), f("pct", "share_after", "ed.shareAfter"), f("money", "switch_after", "ed.switchAfter"),
      f("opt", "switch_after_return", "ed.switchAfterReturn", { blank: () => ({ principal: "", annual_return: "", from: "" }), fields: [
        f("money", "principal", "ed.principal"), f("pct", "annual_return", "ed.annualReturn"), f("date", "from", "ed.returnFrom")] })],
  };
  const blankRule = (type, previous = {}) => {
    const metric = previous.metric || "";
    return {
      fixed: { type, amount: "" }, rate_card: { type, outcomes: [{ outcome: "", price: "" }] }, person_period: { type, state: "", price_per_period: "" },
      tiered: { type, metric, steps: [{ at: "", amount: "" }] }, linear: { type, metric, target: "", max_amount: "" },
      corridor: { type, metric, none_at: "", full_at: "", max_amount: "" }, comparison: { type, metric, effect: "absolute", pay: { type: "threshold", at_least: "", amount: "" } },
      savings_share: { type, metric, share_before: "", share_after: "", switch_after: "" },
    }[type];
  };
  const EDITOR_SPEC = [
    { id: "basics", title: "new.basics", fields: [
      f("text", "code", "new.code", { hint: "valid.code", locked: "amend" }),
      f("loc", "title", "ed.title"),
      f("text", "target_population", "ed.targetPopulation"),
      f("sel", "currency", "ed.currency", { options: () => CURRENCIES.map((c) => [c, c]), locked: "amend" }),
      f("opt", "rounding", "new.rounding", { required: true, blank: () => ({ unit: "1", mode: "floor" }), fields: [
        f("dec", "unit", "ed.roundingUnit"), f("sel", "mode", "ed.roundingMode", { options: () => ["floor", "ceiling", "half_up", "half_even", "half_down"].map((x) => [x, t(`ed.rounding.${x}`)]) })] }),
      f("money", "max_total_payment", "new.maxPayment"),
      f("money", "max_contingent_payment", "ed.maxContingent", { hint: "ed.maxContingentHint" }),
      f("opt", "dates", "ed.dates", { blank: () => ({}), fields: [f("date", "signed_on", "ed.signedOn"), f("date", "service_start", "new.serviceStart"), f("date", "service_end", "new.serviceEnd")] }),
      f("list", "budget", "new.budget", { item: "ed.budgetLine", row: true, blank: () => ({ fiscal_year: "", amount: "" }), fields: [f("int", "fiscal_year", "ed.fiscalYear"), f("money", "amount", "new.amount")] }),
      f("opt", "invoicing", "ed.invoicing", { blank: () => ({ amounts_include_tax: true, tax_rate: "0.10", tax_rounding: "floor", inspection_days: 10 }), fields: [
        f("bool", "amounts_include_tax", "ed.amountsIncludeTax", { default: true }), f("pct", "tax_rate", "ed.taxRate"),
        f("sel", "tax_rounding", "ed.taxRounding", { options: () => ["floor", "ceiling", "half_up", "half_even", "half_down"].map((x) => [x, t(`ed.rounding.${x}`)]) }),
        f("int", "inspection_days", "ed.inspectionDays"), f("int", "payment_days", "ed.paymentDays"), f("pct", "late_interest_annual_rate", "ed.lateInterest")] }),
      f("opt", "data_checks", "ed.dataChecks", { blank: () => ({ discrepancy_tolerance: "0.05" }), fields: [f("pct", "discrepancy_tolerance", "ed.discrepancyTolerance"), f("bool", "sample_required", "ed.sampleRequired")] }),
    ] },
    { id: "payers", title: "ed.payers", fields: [
      f("list", "payers", "ed.payers", { item: "ed.payer", row: true, blank: () => ({ id: "", share: "" }), fields: [
        f("sel", "id", "ed.payerOrg", { options: (terms, ctx) => ctx.payerOptions }), f("pct", "share", "ed.share"), f("money", "max_payment", "ed.maxPayment"),
        f("pct", "top_up", "ed.topUp")] }),
    ] },
    { id: "tranches", title: "ed.tranches", fields: [
      f("list", "tranches", "ed.tranches", { item: "ed.tranche", structural: true, blank: () => ({ id: "", due_on: "" }), fields: [
        f("text", "id", "ed.id", { hint: "valid.id" }), f("name", "name", "ed.name"), f("date", "due_on", "new.dueOn"),
        f("date", "outcomes_from", "ed.outcomesFrom"), f("date", "outcomes_until", "ed.outcomesUntil"), f("money", "cap", "ed.trancheCap")] }),
    ] },
    { id: "metrics", title: "project.metrics", fields: [
      f("list", "metrics", "project.metrics", { item: "project.metric", blank: () => ({ id: "", name: { ja: "", en: "" }, unit: "rate", direction: "higher_is_better" }), fields: [
        f("text", "id", "ed.id", { hint: "valid.id" }), f("loc", "name", "ed.name"),
        f("sel", "unit", "project.unit", { structural: true, options: () => ["rate", "count", "person_periods", "money", "score"].map((u) => [u, t(`unit.${u}`)]) }),
        f("sel", "direction", "project.direction", { options: () => ["higher_is_better", "lower_is_better"].map((x) => [x, t(`direction.${x}`)]) }),
        f("text", "definition", "ed.definition"), f("text", "data_source", "ed.dataSource"), f("text", "measurement_method", "ed.method"),
        f("mval", "baseline", "project.baseline"), f("mval", "target", "project.target"), f("money", "cap", "ed.metricCap")] }),
    ] },
    { id: "components", title: "new.components", fields: [
      f("list", "components", "new.components", { item: "run.component", blank: (terms) => ({ id: "", tranche: ((terms.tranches || [])[0] || {}).id || "", rule: blankRule("fixed") }), fields: [
        f("text", "id", "ed.id", { hint: "valid.id" }), f("name", "name", "ed.name"),
        f("sel", "tranche", "run.tranche", { options: trancheOptions, structural: true }),
        f("sel", "payer", "ed.componentPayer", { options: (terms) => [["", t("ed.sharedByPayers")], ...(terms.payers || []).map((p) => [p.id, p.name || p.id])] }),
        f("money", "cap", "ed.componentCap"),
        f("bool", "outcome_contingent", "ed.outcomeContingent", { default: true }),
        f("text", "net_of", "ed.netOf", { list: true, hint: "ed.netOfHint" }),
        f("list", "conditions", "run.conditions", { item: "ed.condition", row: true, blank: (terms) => ({ metric: ((terms.metrics || [])[0] || {}).id || "", at_least: "" }), fields: [
          f("sel", "metric", "project.metric", { options: metricOptions, structural: true }), f("mval", "at_least", "ed.atLeast"), f("mval", "at_most", "ed.atMost")] }),
        f("variant", "rule", "new.ruleType", { typeName: (x) => t(`new.rule.${x}`), types: RULE_FIELDS, blank: blankRule })] }),
    ] },
    { id: "investments", title: "ed.investments", fields: [
      f("list", "investments", "ed.investments", { item: "ed.investment", blank: () => ({ id: "", investor: "", instrument: "senior_loan", committed: "", drawdowns: [] }), fields: [
        f("text", "id", "ed.id", { hint: "valid.id" }),
        f("sel", "investor", "inv.investor", { options: (terms, ctx) => ctx.investorOptions }),
        f("sel", "instrument", "ed.instrument", { structural: true, options: () => INSTRUMENTS.map((x) => [x, t(`instrument.${x}`)]) }),
        f("money", "committed", "ed.committed"),
        f("list", "drawdowns", "ed.drawdowns", { item: "ed.drawdown", row: true, blank: () => ({ on: "", amount: "" }), fields: [f("date", "on", "ed.drawnOn"), f("money", "amount", "new.amount")] }),
        f("pct", "annual_rate", "ed.annualRate"),
        f("list", "coupon_steps", "ed.couponSteps", { item: "ed.step", row: true, blank: () => ({ at_share: "", rate: "" }), fields: [f("pct", "at_share", "ed.atShare"), f("pct", "rate", "ed.annualRate")] }),
        f("opt", "covers", "ed.covers", { when: (o) => o.instrument === "guarantee", blank: () => ({ share: "", investments: [] }), fields: [
          f("pct", "share", "ed.coverShare"), f("text", "investments", "ed.coveredInvestments", { list: true, hint: "ed.coveredHint" })] }),
        f("opt", "units", "ed.units", { blank: () => ({ count: "", unit_price: "", remainder: "retained" }), fields: [
          f("int", "count", "ed.unitCount"), f("money", "unit_price", "ed.unitPrice"),
          f("sel", "remainder", "ed.remainder", { options: () => ["retained", "carried_forward"].map((x) => [x, t(`ed.remainder.${x}`)]) }),
          f("pct", "max_redemption_rate", "ed.maxRedemption"),
          f("list", "redemption_steps", "ed.redemptionSteps", { item: "ed.step", row: true, blank: () => ({ at_share: "", rate: "" }), fields: [f("pct", "at_share", "ed.atShare"), f("pct", "rate", "ed.redemptionRate")] })] })] }),
    ] },
    { id: "waterfall", title: "run.waterfall", fields: [
      f("list", "waterfall", "run.waterfall", { item: "ed.waterfallStep", row: true, blank: () => ({ type: "principal", class: "senior" }), fields: [
        f("variant", "", "ed.stepType", { typeName: (x) => t(`ed.wf.${x}`), types: {
          fee: [f("text", "name", "ed.name"), f("text", "recipient", "ed.recipient"), f("money", "amount", "new.amount")],
          principal: [f("sel", "class", "ed.class", { options: () => CLASSES.map((x) => [x, t(`ed.class.${x}`)]) })],
          interest: [f("sel", "class", "ed.class", { options: () => CLASSES.map((x) => [x, t(`ed.class.${x}`)]) })],
          residual: [f("sel", "class", "ed.class", { options: () => CLASSES.map((x) => [x, t(`ed.class.${x}`)]) }), f("pct", "share", "ed.residualShare")] },
        blank: (type, previous) => (type === "fee" ? { type, name: "", recipient: "", amount: "" } : { type, class: previous.class || "senior" }) })] }),
    ] },
  ];

  const pathId = (path) => `e-${path.join("-")}`;
  /** The editor's field id for a server problem's field (`terms.metrics[0].target`), or the id of
   *  the nearest enclosing part shown (a list, an item) when the field itself is not. */
  const problemTarget = (field) => {
    const parts = field.replace(/^terms\.?/, "").replace(/\[(\d+)\]/g, ".$1").split(".").filter(Boolean);
    if (field === "title_ja") return "e-title-ja";
    if (field === "title_en") return "e-title-en";
    if (!field.startsWith("terms")) {
      const id = `e-meta-${field.split(/[.[]/)[0]}`;
      return document.getElementById(id) ? id : null;
    }
    for (let n = parts.length; n > 0; n--) {
      const id = pathId(parts.slice(0, n));
      if (document.getElementById(`${id}-error`)) return id;
    }
    return null;
  };

  const editor = { data: null, owner: null, templates: null, orgs: null, timer: null };
  const draftKey = (scope) => `seika.draft.${state.user.id}.${scope}`;
  const saveDraft = () => {
    if (state.user && editor.data) store.setItem(draftKey(editor.data.scope), JSON.stringify(editor.data));
  };
  /** Drafts stay in this tab for this user; logging out removes every one of them. */
  const forgetDraft = (scope) => {
    for (const key of Object.keys(store)) {
      if (key.startsWith("seika.draft.") && (!scope || (state.user && key === draftKey(scope)))) store.removeItem(key);
    }
    editor.data = null;
  };

  /** Organizations by kind, for the parties and the selects naming payers and investors. */
  const editorContext = (orgs) => {
    const all = orgs.ok ? orgs.data.items : [];
    const own = state.user.organization;
    const payers = all.filter((o) => ["local_government", "central_government"].includes(o.kind));
    const investors = all.filter((o) => ["investor", "intermediary"].includes(o.kind));
    return {
      all,
      byKind: (kind) => all.filter((o) => o.kind === kind),
      payerOptions: [["", t("ed.choose")], ...payers.map((o) => [o.slug, o.id === own.id ? `${localName(o)} (${t("ed.yours")})` : localName(o)])],
      investorOptions: [["", t("ed.choose")], ...investors.map((o) => [o.slug, localName(o)])],
      bySlug: (slug) => all.find((o) => o.slug === slug),
    };
  };

  /** Renders one field of `obj` (at `path` in the terms); `changed(structural)` re-renders. */
  const editorField = (spec, obj, path, ctx, changed) => {
    const p = spec.key ? [...path, spec.key] : path;
    const id = pathId(p);
    const label = t(spec.label);
    const value = spec.key ? obj[spec.key] : obj;
    const locked = spec.locked === ctx.mode;
    const set = (v) => {
      if (v === "" || v === undefined || v === null) delete obj[spec.key];
      else obj[spec.key] = v;
      changed(spec.structural);
    };
    const textInput = (attrs, toText, fromText) => {
      const el = input(id, { value: toText(value), disabled: locked, ...attrs });
      el.addEventListener("input", () => set(fromText(el.value.trim())));
      return el;
    };
    // A metric's own values are in its unit; a rule's or a condition's in the unit of the metric
    // it reads.
    const unitOf = () => (obj.unit && obj.direction ? obj.unit : ((ctx.terms.metrics || []).find((m) => m.id === (obj.metric || ctx.metric)) || {}).unit);
    switch (spec.kind) {
      case "text":
        if (spec.list) {
          return field(id, label, textInput({}, (v) => (v || []).join(", "), (v) => v.split(",").map((x) => x.trim()).filter(Boolean)), spec.hint ? t(spec.hint) : null);
        }
        return field(id, label, textInput({}, (v) => v ?? "", (v) => v), spec.hint ? t(spec.hint) : null);
      case "date":
        return field(id, label, textInput({ type: "date" }, (v) => v ?? "", (v) => v));
      case "money":
        return field(id, `${label} (${ctx.terms.currency || ""})`, textInput({ inputmode: "numeric" }, (v) => v ?? "", (v) => v));
      case "dec":
        return field(id, label, textInput({ inputmode: "decimal" }, (v) => v ?? "", (v) => v));
      case "int":
        return field(id, label, textInput({ inputmode: "numeric" }, (v) => (v ?? "") === "" ? "" : String(v), (v) => (/^\d{1,9}$/.test(v) ? Number(v) : v)));
      case "pct":
        return field(id, `${label} (%)`, textInput({ inputmode: "decimal" }, toPercent, fromPercent));
      case "mval": {
        const rate = unitOf() === "rate";
        return field(id, rate ? `${label} (%)` : label, textInput({ inputmode: "decimal" }, rate ? toPercent : (v) => v ?? "", rate ? fromPercent : (v) => v));
      }
      case "bool": {
        const fallback = spec.default ?? false;
        const box = input(id, { type: "checkbox", checked: (value ?? fallback) === true });
        box.addEventListener("change", () => set(box.checked === fallback ? undefined : box.checked));
        return h("div", { class: "field" }, h("div", { class: "check" }, box, h("label", { for: id, text: label })), h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" }));
      }
      case "sel": {
        const options = spec.options(ctx.terms, ctx);
        const known = options.some(([v]) => v === (value ?? ""));
        const el = select(id, known ? options : [...options, [value, value]], value ?? "");
        el.disabled = locked;
        el.addEventListener("change", () => set(el.value));
        // Ids and names typed elsewhere since the last render: the choices are read afresh.
        el.addEventListener("focus", () => {
          const current = el.value;
          const fresh = spec.options(ctx.terms, ctx);
          el.replaceChildren(...fresh.map(([v, text]) => h("option", { value: v, selected: v === current, text })));
          if (!fresh.some(([v]) => v === current)) el.append(h("option", { value: current, selected: true, text: current }));
        });
        return field(id, label, el);
      }
      case "loc": {
        const holder = value || (obj[spec.key] = { ja: "", en: "" });
        const part = (lang, text) => {
          const el = input(`${id}-${lang}`, { value: holder[lang] ?? "" });
          el.addEventListener("input", () => { holder[lang] = el.value; changed(false); });
          return field(`${id}-${lang}`, `${label} (${text})`, el);
        };
        return h("div", { class: "row", id }, part("ja", t("ed.japanese")), part("en", t("ed.english")), h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" }));
      }
      case "name": {
        // A part's name: one text in older contracts, {ja, en} once edited here.
        const text = (lang) => (typeof value === "object" && value ? value[lang] ?? "" : value ?? "");
        const els = {};
        const part = (lang, word) => {
          const el = input(`${id}-${lang}`, { value: text(lang) });
          els[lang] = el;
          el.addEventListener("input", () => {
            const ja = els.ja.value.trim();
            const en = els.en.value.trim();
            set(ja || en ? { ja, en } : undefined);
          });
          return field(`${id}-${lang}`, `${label} (${word})`, el);
        };
        return h("div", { class: "row", id }, part("ja", t("ed.japanese")), part("en", t("ed.english")), h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" }));
      }
      case "opt": {
        if (spec.when && !spec.when(obj)) return null;
        const on = value !== undefined && value !== null;
        const parts = [];
        if (!spec.required) {
          const box = input(`${id}-on`, { type: "checkbox", checked: on });
          box.addEventListener("change", () => { if (box.checked) obj[spec.key] = spec.blank(); else delete obj[spec.key]; changed(true); });
          parts.push(h("div", { class: "check" }, box, h("label", { for: `${id}-on`, text: t("ed.include", { what: label }) })));
        }
        return h("fieldset", { id }, h("legend", { text: label }), parts, h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" }),
          on ? h("div", { class: "row" }, spec.fields.map((s) => editorField(s, value, p, ctx, changed))) : null);
      }
      case "variant": {
        const holder = spec.key ? value : obj;
        const type = holder.type;
        const el = select(`${id}-type`, Object.keys(spec.types).map((x) => [x, spec.typeName(x)]), type);
        el.addEventListener("change", () => {
          const next = spec.blank(el.value, holder, ctx.terms);
          if (spec.key) obj[spec.key] = next;
          else { for (const k of Object.keys(obj)) delete obj[k]; Object.assign(obj, next); }
          changed(true);
        });
        const inner = { ...ctx, metric: holder.metric || ctx.metric };
        const fields = (spec.types[type] || []).map((s) => editorField(s, holder, p, inner, changed));
        // A tagged item of a list (a waterfall step) is one row: its kind, then its fields.
        if (!spec.key) return [field(`${id}-type`, label, el), fields];
        return h("fieldset", { id, class: "variant" }, h("legend", { text: label }),
          h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" }), field(`${id}-type`, label, el),
          h("div", { class: "row" }, fields));
      }
      case "list": {
        const items = value || (obj[spec.key] = []);
        const move = (i, by) => () => { const [x] = items.splice(i, 1); items.splice(i + by, 0, x); changed(true); };
        const nameOf = (item, i) => `${t(spec.item)} ${i + 1}${item && item.id ? `: ${partName(item.name, item.id)}` : ""}`;
        return h("fieldset", { id, class: "editor-list" }, h("legend", { text: label }), h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" }),
          items.map((item, i) => {
            const ip = [...p, i];
            const name = nameOf(item, i);
            const inner = { ...ctx, metric: item.metric || ctx.metric };
            return h(spec.row ? "div" : "fieldset", { id: pathId(ip), class: spec.row ? "row editor-row" : "editor-item" },
              spec.row ? null : h("legend", { text: name }),
              spec.fields.map((s) => editorField(s, item, ip, inner, changed)),
              h("p", { class: "field-error", id: `${pathId(ip)}-error`, "aria-live": "polite" }),
              h("div", { class: "item-actions" },
                i > 0 ? h("button", { type: "button", class: "secondary small", "aria-label": t("ed.moveUp", { what: name }), text: "↑", onclick: move(i, -1) }) : null,
                i < items.length - 1 ? h("button", { type: "button", class: "secondary small", "aria-label": t("ed.moveDown", { what: name }), text: "↓", onclick: move(i, 1) }) : null,
                h("button", { type: "button", class: "secondary small remove-item", id: `${pathId(ip)}-remove`, text: t("ed.removeThis", { what: name }), onclick: () => { items.splice(i, 1); changed(true); } })));
          }),
          h("button", { type: "button", class: "secondary add-item", id: `${id}-add`, text: t("ed.addThis", { what: t(spec.item) }), onclick: () => { items.push(spec.blank(ctx.terms)); changed(true); } }));
      }
      default:
        return null;
    }
  };

  /** Where each metric is read (by a rule or a condition) and in which tranche: the values a
   *  preview asks for. Milestones of fixed fees, to mark as reached. */
  const previewInputs = (terms) => {
    const pairs = [];
    const milestones = [];
    for (const c of terms.components || []) {
      const metrics = [...(c.conditions || []).map((x) => x.metric), c.rule && c.rule.metric].filter(Boolean);
      for (const metric of metrics) if (!pairs.some((x) => x.metric === metric && x.tranche === c.tranche)) pairs.push({ metric, tranche: c.tranche });
      if (c.rule && c.rule.milestone && !milestones.includes(c.rule.milestone)) milestones.push(c.rule.milestone);
    }
    return { pairs, milestones };
  };

  /** A statement's summary as a person reads it: totals, every line with its explanation, what
   *  each investor receives. Names come from the terms and the organizations. */
  const statementSummary = (st, words, terms, nameOfSlug) => {
    const cur = st.currency;
    const trancheName = namesOf(terms).tranche;
    return [
      h("p", { class: "lead" }, h("strong", { text: `${t("preview.total")}: ` }), h("span", { id: "editor-preview-total", text: money(st.total, cur) })),
      table([t("run.tranche"), t("new.dueOn"), t("run.total")], st.tranches.map((x) => [trancheName(x.tranche), date(x.due_on), money(x.total, cur)]), { id: "editor-preview-tranches" }),
      h("div", { id: "editor-preview-lines" }, st.lines.map((l, i) => h("details", { class: "line" },
        h("summary", {}, h("span", { class: "line-name", text: partName(l.name, l.component) }), " ", badge(l.status), " ", h("strong", { class: "line-amount", text: money(l.amount, cur) })),
        h("p", {}, h("code", { class: "formula", text: said(((words || [])[i] || {}).formula, l.explanation.formula) }))))),
      st.distribution ? table([t("inv.investor"), t("inv.principal"), t("inv.interest"), t("inv.successFee")],
        st.distribution.investors.map((i) => [nameOfSlug(i.investor), money(i.principal, cur), money(i.interest, cur), money(i.success_fee, cur)]), { id: "editor-preview-investors" }) : null,
    ];
  };

  /** The terms as "section › item › field" rows, for the amendment's side-by-side comparison. */
  const flattenTerms = (value, prefix = [], out = new Map()) => {
    if (Array.isArray(value)) {
      value.forEach((x, i) => flattenTerms(x, [...prefix, x && typeof x === "object" && x.id ? x.id : String(i + 1)], out));
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) flattenTerms(v, [...prefix, k], out);
    } else {
      out.set(prefix.join(" › "), value === undefined || value === null ? "" : String(value));
    }
    return out;
  };
  const fieldWord = (key) => (TEXTS[state.lang][`ed.f.${key}`] ? t(`ed.f.${key}`) : key);
  const termsDiff = (before, after) => {
    const a = flattenTerms(before);
    const b = flattenTerms(after);
    const keys = [...new Set([...a.keys(), ...b.keys()])];
    return keys.filter((k) => (a.get(k) ?? "") !== (b.get(k) ?? "")).map((k) => [k.split(" › ").map(fieldWord).join(" › "), a.get(k) ?? t("ed.absent"), b.get(k) ?? t("ed.absent")]);
  };

  /** The editor page: register (`mode` "new") or amend (`mode` "amend") a contract. */
  const contractEditor = async ({ mode, projectId, current, redraw = false }) => {
    const scope = mode === "new" ? "new" : `${mode}-${projectId}`;
    // Registering and editing a draft ask for the parties; an amendment for its reason and date.
    const withParties = mode === "new" || mode === "edit";
    if (!editor.data || editor.owner !== state.user.id || editor.data.scope !== scope) {
      editor.data = JSON.parse(store.getItem(draftKey(scope)) || "null");
      editor.owner = state.user.id;
    }
    if (mode === "edit" && (!editor.data || editor.data.basis !== current.version)) {
      const partyOf = (role) => String((current.parties.find((p) => p.role === role) || {}).organization_id || "");
      editor.data = { scope, basis: current.version, terms: structuredClone(current.terms),
        meta: { policy_area: current.policy_area, effective_from: current.effective_from, evaluator: partyOf("evaluator"), provider: partyOf("service_provider"), investors: [] } };
    }
    if (mode === "amend" && (!editor.data || editor.data.basis !== current.terms_version)) {
      editor.data = { scope, basis: current.terms_version, terms: structuredClone(current.terms), meta: { reason: "", effective_from: new Date().toISOString().slice(0, 10) } };
    }
    // Drawn again after a change of structure: with the organizations already loaded, so that the
    // form is replaced at once and nothing typed meanwhile lands in the form being replaced.
    const [orgs, templates] = await Promise.all([
      redraw && editor.orgs ? editor.orgs : api("GET", "/organizations?per_page=200"),
      mode === "new" && !editor.data ? (editor.templates ? { ok: true, data: editor.templates } : api("GET", "/contract-templates")) : null,
    ]);
    if (orgs.ok) editor.orgs = orgs;
    const ctx = { ...editorContext(orgs), mode };
    const message = h("div", { id: "editor-message", "aria-live": "polite" });

    if (mode === "new" && !editor.data) {
      if (!templates.ok) return page(t("new.title"), problemBox(templates.problem));
      editor.templates = templates.data;
      const start = (terms) => () => {
        const own = state.user.organization;
        terms.payers = (terms.payers || []).map((p, i) => (i === 0 ? { ...p, id: own.slug, name: localName(own) } : p));
        for (const inv of terms.investments || []) if (!ctx.bySlug(inv.investor)) inv.investor = "";
        editor.data = { scope, terms, meta: { policy_area: "health", effective_from: new Date().toISOString().slice(0, 10), evaluator: "", provider: "", investors: [] } };
        saveDraft();
        viewNewProject();
      };
      return page(t("new.title"), h("p", { class: "lead", text: t("ed.chooseTemplate") }),
        h("ul", { class: "templates", id: "templates" }, templates.data.map((tpl) => h("li", { class: "card" },
          h("h2", { text: localName(tpl.name, "ja", "en") }), h("p", { text: localName(tpl.summary, "ja", "en") }),
          h("button", { type: "button", id: `template-${tpl.id}`, text: t("ed.startFrom"), onclick: start(structuredClone(tpl.terms)) })))),
        h("p", {}, h("button", { type: "button", class: "secondary", id: "template-blank", text: t("ed.startBlank"), onclick: start({
          schema: "seika.contract.v1", code: "", title: { ja: "", en: "" }, currency: "JPY", rounding: { unit: "1", mode: "floor" },
          payers: [{ id: "", share: "1" }], tranches: [{ id: "final", due_on: "" }], metrics: [], components: [] }) })));
    }

    const d = editor.data;
    const terms = d.terms;
    ctx.terms = terms;
    const scroll = window.scrollY;
    let rerender = null;
    const changed = (structural) => {
      saveDraft();
      if (!structural) refreshPreviewInputs();
      if (structural) {
        clearTimeout(editor.timer);
        editor.focus = document.activeElement && document.activeElement.id;
        editor.keepScroll = true;
        rerender();
      }
      else refreshDiff();
    };

    // Parties (registration) or the amendment's reason and date.
    const metaField = (key, label, el) => {
      el.addEventListener(el.tagName === "SELECT" ? "change" : "input", () => { d.meta[key] = el.value; saveDraft(); });
      return field(`e-meta-${key}`, label, el);
    };
    const orgOptions = (kind) => [["", t("common.none")], ...ctx.byKind(kind).map((o) => [String(o.id), localName(o)])];
    const metaSection = withParties
      ? h("section", { id: "editor-parties", "aria-labelledby": "h-parties" }, h("h2", { id: "h-parties", text: t("new.parties") }),
        h("p", { class: "hint", id: "w-parties-hint", text: t("new.partiesInvited") }),
        metaField("policy_area", t("project.policyArea"), select("e-meta-policy_area", POLICY_AREAS.map((a) => [a, t(`area.${a}`)]), d.meta.policy_area)),
        metaField("effective_from", t("new.effectiveFrom"), input("e-meta-effective_from", { type: "date", value: d.meta.effective_from })),
        metaField("evaluator", t("new.evaluator"), select("e-meta-evaluator", orgOptions("evaluator"), d.meta.evaluator)),
        metaField("provider", t("new.provider"), select("e-meta-provider", orgOptions("service_provider"), d.meta.provider)),
        h("p", { class: "hint", text: t("ed.investorsInvited") }))
      : h("section", { id: "editor-amendment", "aria-labelledby": "h-amendment" }, h("h2", { id: "h-amendment", text: t("amend.title") }),
        metaField("reason", t("amend.reason"), input("e-meta-reason", { value: d.meta.reason })),
        metaField("effective_from", t("project.effectiveFrom"), input("e-meta-effective_from", { type: "date", value: d.meta.effective_from })));

    const sections = EDITOR_SPEC.map((sec) => h("section", { id: `editor-${sec.id}`, "aria-labelledby": `h-${sec.id}` },
      h("h2", { id: `h-${sec.id}`, text: t(sec.title) }),
      sec.fields.map((spec) => editorField(spec, terms, [], ctx, changed))));

    // Live preview: hypothetical values per metric and tranche, computed by the engine.
    d.assumed = d.assumed || {};
    const metricOf = (id) => (terms.metrics || []).find((m) => m.id === id) || { name: { ja: id, en: id } };
    const previewResult = h("div", { id: "editor-preview-result", "aria-live": "polite" });
    const assumedInput = (key, id, label, rate) => {
      const el = input(id, { inputmode: "decimal", value: rate ? toPercent(d.assumed[key]) : d.assumed[key] ?? "" });
      el.addEventListener("input", () => { d.assumed[key] = rate ? fromPercent(el.value.trim()) : el.value.trim(); saveDraft(); });
      return field(id, rate ? `${label} (%)` : label, el);
    };
    const previewFields = h("div", { class: "row", id: "editor-preview-fields" });
    const refreshPreviewInputs = () => {
      const { pairs, milestones } = previewInputs(terms);
      previewFields.replaceChildren(
        ...pairs.map((x) => {
          const m = metricOf(x.metric);
          const tr = (terms.tranches || []).find((y) => y.id === x.tranche) || {};
          return assumedInput(`${x.metric}.${x.tranche}`, `pv-${x.metric}-${x.tranche}`, `${localName(m.name, "ja", "en")} — ${partName(tr.name, x.tranche)}`, m.unit === "rate");
        }),
        ...milestones.map((ms) => {
          const el = input(`pv-milestone-${ms}`, { type: "date", value: d.assumed[`milestone.${ms}`] || "" });
          el.addEventListener("input", () => { d.assumed[`milestone.${ms}`] = el.value; saveDraft(); });
          return field(`pv-milestone-${ms}`, t("ed.milestoneReached", { milestone: namesOf(terms).milestone(ms) }), el);
        }));
    };
    refreshPreviewInputs();
    const runPreview = async () => {
      const { pairs, milestones } = previewInputs(terms);
      const results = pairs.filter((x) => (d.assumed[`${x.metric}.${x.tranche}`] || "") !== "")
        .map((x) => ({ metric: x.metric, tranche: x.tranche, value: d.assumed[`${x.metric}.${x.tranche}`] }));
      const reached = milestones.filter((m) => d.assumed[`milestone.${m}`]).map((m) => ({ id: m, achieved_on: d.assumed[`milestone.${m}`] }));
      // The code is the project's name in the system: a preview does not need it yet.
      const previewed = terms.code ? terms : { ...terms, code: "preview" };
      const r = await api("POST", "/contract-checks", { terms: previewed, outcomes: { results, milestones: reached } });
      if (!r.ok) return showEditorProblems(r.problem);
      clearEditorProblems();
      const nameOfSlug = (slug) => { const o = ctx.bySlug(slug); return o ? localName(o) : slug; };
      previewResult.replaceChildren(h("p", { class: "hint", text: t("ed.previewNote") }), ...statementSummary(r.data.statement, r.data.words, terms, nameOfSlug));
    };
    const preview = h("section", { id: "editor-preview", "aria-labelledby": "h-preview" }, h("h2", { id: "h-preview", text: t("preview.title") }),
      h("p", { class: "hint", text: t("ed.previewIntro") }),
      previewFields,
      h("button", { type: "button", class: "secondary", id: "editor-preview-run", text: t("preview.run"), onclick: runPreview }),
      previewResult);

    // Amendments: every change against the version in force, side by side.
    const diffHolder = h("div", { id: "amend-diff", "aria-live": "polite" });
    const refreshDiff = () => {
      if (mode !== "amend") return;
      const rows = termsDiff(current.terms, terms);
      diffHolder.replaceChildren(rows.length
        ? table([t("ed.diffField"), t("ed.diffInForce"), t("ed.diffAmended")], rows, { id: "amend-diff-table" })
        : h("p", { class: "hint", text: t("ed.noChanges") }));
    };
    refreshDiff();

    // The advanced view: the terms as JSON, editable, applied on request.
    const json = h("textarea", { id: "e-json", rows: 16 });
    json.value = JSON.stringify(terms, null, 2);
    const advanced = h("details", { id: "editor-advanced", ontoggle: (ev) => { if (ev.currentTarget.open) json.value = JSON.stringify(terms, null, 2); } }, h("summary", { text: t("ed.advanced") }),
      field("e-json", t("new.terms"), json),
      h("button", { type: "button", class: "secondary", id: "e-json-apply", text: t("ed.applyJson"), onclick: () => {
        let parsed;
        try { parsed = JSON.parse(json.value); } catch (_) { return message.replaceChildren(h("p", { class: "error", role: "alert", text: t("valid.json") })); }
        d.terms = parsed;
        saveDraft();
        rerender();
      } }));

    // Problems come from two places: the live check as fields are left, and a refused submit.
    // Each clears only its own, so a refused submit stays in view while the person types.
    const submitSummary = h("div", { id: "editor-submit-errors", "aria-live": "assertive" });
    const clearEditorProblems = (source = "check") => {
      (source === "submit" ? submitSummary : message).replaceChildren();
      main().querySelectorAll(`#contract-editor .field-error[data-source="${source}"]`).forEach((e) => { e.textContent = ""; e.removeAttribute("data-source"); });
      main().querySelectorAll(`#contract-editor [aria-invalid][data-source="${source}"]`).forEach((e) => { e.removeAttribute("aria-invalid"); e.removeAttribute("data-source"); });
    };
    /** The server's problems beside their fields and, above (or by the button, for a refused
     *  submit), as a list naming each field; a refused submit moves focus to its first field. */
    const showEditorProblems = (problem, source = "check") => {
      clearEditorProblems(source);
      const items = [];
      let first = null;
      for (const e of problem.errors || []) {
        const target = problemTarget(e.field);
        const text = e.message;
        const box = target && document.getElementById(`${target}-error`);
        if (box && !(box.dataset.source && box.dataset.source !== source)) {
          box.textContent = box.textContent ? `${box.textContent} ${text}` : text;
          box.dataset.source = source;
        }
        const el = target && document.getElementById(target);
        if (el && ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName)) {
          el.setAttribute("aria-invalid", "true");
          el.dataset.source = source;
          first = first || el;
        }
        const labelEl = target && (document.querySelector(`label[for="${target}"]`) || document.querySelector(`#${target} > legend`));
        const where = labelEl ? labelEl.textContent : "";
        items.push(h("li", {}, target ? h("a", { href: `#${target}`, onclick: (ev) => { ev.preventDefault(); document.getElementById(target)?.focus(); document.getElementById(target)?.scrollIntoView(); }, text: where || t("ed.thisField") }) : null, target ? ": " : null, text));
      }
      const slug = (problem.type || "/problems/network").split("/").pop();
      const reason = !items.length && slug !== "validation-failed" ? problem.detail || null : null;
      (source === "submit" ? submitSummary : message).replaceChildren(h("div", { class: "error", role: "alert", id: source === "submit" ? "editor-submit-error" : "editor-error" },
        h("p", { class: "error-title", text: items.length ? t("valid.fixErrors") : TEXTS[state.lang][`error.${slug}`] ? t(`error.${slug}`) : t("error.title") }),
        reason ? h("p", { class: "error-reason", text: reason }) : null,
        items.length ? h("ul", {}, items) : null));
      if (source === "submit" && first) { first.focus(); first.scrollIntoView({ block: "center" }); }
    };

    /** Valid terms that are probably not what was meant: listed above the form, each linking to its field. */
    const showEditorWarnings = (warnings) => {
      if (!warnings || !warnings.length) return;
      const items = warnings.map((w) => {
        const target = problemTarget(w.field);
        const labelEl = target && (document.querySelector(`label[for="${target}"]`) || document.querySelector(`#${target} > legend`));
        const where = labelEl ? labelEl.textContent : t("ed.thisField");
        return h("li", {}, target ? h("a", { href: `#${target}`, onclick: (ev) => { ev.preventDefault(); document.getElementById(target)?.focus(); document.getElementById(target)?.scrollIntoView(); }, text: where }) : null, target ? ": " : null, w.message[state.lang]);
      });
      message.replaceChildren(h("div", { class: "warning", role: "status", id: "editor-warnings" }, h("p", { class: "warning-title", text: t("ed.warnings") }), h("ul", {}, items)));
    };

    // Checked by the server as each field is left (debounced); the problems land beside fields.
    const check = async () => {
      const r = await api("POST", "/contract-checks", { terms });
      if (r.ok) {
        clearEditorProblems("check");
        showEditorWarnings(r.data.warnings);
      } else if (r.status === 422) showEditorProblems(r.problem, "check");
    };

    // The terms as a 成果水準書 / 支払条件表 workbook, to circulate and load back after edits.
    const excelResult = h("div", { id: "editor-excel-result", "aria-live": "polite" });
    const excelFile = input("editor-xlsx-file", { type: "file", accept: ".xlsx" });
    excelFile.addEventListener("change", async () => {
      const file = excelFile.files[0];
      if (!file) return;
      const r = await api("POST", "/contract-workbooks/import", await file.arrayBuffer(), { contentType: XLSX_TYPE });
      excelFile.value = "";
      if (!r.ok) {
        const errors = (r.problem.errors || []).map((e) => [placeOf(e), e.message]);
        return excelResult.replaceChildren(h("div", { class: "error", role: "alert" }, h("p", { class: "error-title", text: t("ed.excelErrors") }),
          errors.length ? table([t("ed.excelPlace"), t("ed.excelProblem")], errors, { id: "editor-excel-errors" }) : problemBox(r.problem)));
      }
      d.terms = r.data.terms;
      saveDraft();
      announce(t("ed.excelLoaded"));
      editor.keepScroll = true;
      rerender();
    });
    const excel = h("div", { id: "editor-excel" }, h("h3", { text: t("ed.excel") }), h("p", { class: "hint", text: t("ed.excelHint") }),
      h("p", { class: "actions" }, h("button", { type: "button", class: "secondary", id: "editor-xlsx-download", text: t("ed.excelDownload"), onclick: async () => {
        const r = await download("/contract-workbooks", `${terms.code || "contract"}-支払条件表.xlsx`, { terms });
        if (!r.ok) showEditorProblems(r.problem);
      } })),
      field("editor-xlsx-file", t("ed.excelLoad"), excelFile), excelResult);
    const submitLabel = { new: "new.create", edit: "ed.saveDraft", amend: "amend.submit" }[mode];
    const submit = h("button", { type: "button", id: "editor-submit", text: t(submitLabel), onclick: async () => {
      let r;
      if (withParties) {
        const parties = [];
        if (d.meta.evaluator) parties.push({ organization_id: Number(d.meta.evaluator), role: "evaluator" });
        if (d.meta.provider) parties.push({ organization_id: Number(d.meta.provider), role: "service_provider" });
        for (const slug of new Set((terms.investments || []).map((i) => i.investor).filter(Boolean))) {
          const o = ctx.bySlug(slug);
          if (o) parties.push({ organization_id: o.id, role: "investor" });
        }
        for (const p of terms.payers || []) {
          const o = ctx.bySlug(p.id);
          if (o && o.id !== state.user.organization.id) parties.push({ organization_id: o.id, role: "outcome_payer" });
        }
        const title = terms.title || { ja: "", en: "" };
        const body = { title_ja: title.ja, title_en: title.en, policy_area: d.meta.policy_area, effective_from: d.meta.effective_from, parties, terms };
        r = mode === "new" ? await api("POST", "/projects", body) : await api("PUT", `/projects/${projectId}`, body, { headers: { "if-match": current.etag } });
      } else {
        r = await api("POST", `/projects/${projectId}/amendments`, { reason: d.meta.reason, effective_from: d.meta.effective_from, terms }, { headers: { "if-match": current.etag } });
      }
      if (!r.ok) return showEditorProblems(r.problem, "submit");
      clearEditorProblems("submit");
      forgetDraft(scope);
      announce(t({ new: "new.created", edit: "ed.draftSaved", amend: "ed.amended" }[mode]));
      location.hash = `#/projects/${mode === "new" ? r.data.id : projectId}`;
    } });
    const discard = h("button", { type: "button", class: "secondary", id: "editor-discard", text: mode === "new" ? t("ed.startOver") : t("ed.discard"), onclick: () => {
      forgetDraft(scope);
      if (mode === "new") viewNewProject(); else if (mode === "edit") viewEditDraft(projectId); else viewAmend(projectId);
    } });

    const nav = h("nav", { class: "editor-nav", "aria-label": t("ed.sections") }, h("ul", {},
      [withParties ? ["parties", "new.parties"] : ["amendment", "amend.title"], ...EDITOR_SPEC.map((s) => [s.id, s.title]), ["preview", "preview.title"], ["review", "new.review"]]
        .map(([id, key]) => h("li", {}, h("a", { href: `#editor-${id}`, onclick: (ev) => { ev.preventDefault(); document.getElementById(`editor-${id}`)?.scrollIntoView(); }, text: t(key) })))));
    const form = h("form", { id: "contract-editor", novalidate: true }, metaSection, sections, preview,
      h("section", { id: "editor-review", "aria-labelledby": "h-review" }, h("h2", { id: "h-review", text: t("new.review") }),
        mode === "amend" ? [h("h3", { text: t("ed.changes") }), diffHolder] : null,
        excel, advanced, h("p", { class: "actions" }, submit, discard), submitSummary));
    form.addEventListener("submit", (ev) => ev.preventDefault());
    form.addEventListener("focusout", (ev) => {
      if (!ev.target.id || !ev.target.id.startsWith("e-") || ev.target.id.startsWith("e-meta") || ev.target.id === "e-json") return;
      clearTimeout(editor.timer);
      editor.timer = setTimeout(check, 250);
    });
    rerender = () => contractEditor({ mode, projectId, current, redraw: true });
    const heading = mode === "new" ? t("new.title") : `${t(mode === "edit" ? "ed.editTitle" : "amend.title")}: ${titleOf(current)}`;
    page(heading, h("p", { class: "lead", id: "editor-lead", text: t({ new: "ed.leadNew", edit: "ed.leadEdit", amend: "ed.leadAmend" }[mode]) }), nav, message, form);
    // After a change of structure (a row added, a rule type chosen) the page is drawn again:
    // the reader stays where they were, on the control they used.
    const again = editor.focus && document.getElementById(editor.focus);
    editor.focus = null;
    if (again) again.focus({ preventScroll: true });
    if (editor.keepScroll) window.scrollTo(0, scroll);
    editor.keepScroll = false;
  };

  const viewNewProject = () => contractEditor({ mode: "new" });
  const viewEditDraft = async (id) => {
    const res = await api("GET", `/projects/${id}`);
    if (!res.ok) return page(t("error.title"), problemBox(res.problem));
    if (res.data.status !== "draft") return page(t("error.title"), h("p", { id: "not-a-draft", text: t("ed.notADraft") }));
    return contractEditor({ mode: "edit", projectId: id, current: { ...res.data, etag: res.etag } });
  };
  const viewAmend = async (id) => {
    const res = await api("GET", `/projects/${id}`);
    if (!res.ok) return page(t("error.title"), problemBox(res.problem));
    return contractEditor({ mode: "amend", projectId: id, current: { ...res.data, etag: res.etag } });
  };

  // ---- Admin --------------------------------------------------------------------------------

  const ORG_KINDS = ["local_government", "central_government", "service_provider", "intermediary", "evaluator", "investor", "platform"];
  const ROLES = ["government_staff", "evaluator", "investor", "service_provider", "platform_admin"];

  /** Platform administration: organizations, users and the audit log, every job in the page. */
  const viewAdmin = async () => {
    const [orgs, users] = await Promise.all([api("GET", "/organizations?per_page=200"), api("GET", "/users?per_page=200")]);
    const message = h("div", { id: "admin-message", "aria-live": "polite" });
    const done = (text) => { announce(text); viewAdmin(); };
    const result = h("div", { id: "chain-result", "aria-live": "polite" });

    const orgForm = h("form", { id: "org-form", novalidate: true },
      field("org-slug", t("admin.slug"), input("org-slug", { required: true, pattern: "[a-z0-9-]{2,64}" }), t("admin.slugHint")),
      field("org-kind", t("admin.kind"), select("org-kind", ORG_KINDS.map((k) => [k, t(`orgKind.${k}`)]))),
      field("org-name-ja", t("admin.nameJa"), input("org-name-ja", { required: true })),
      field("org-name-en", t("admin.nameEn"), input("org-name-en", { required: true })),
      h("button", { type: "submit", id: "org-create", class: "secondary", text: t("admin.createOrg") }));
    orgForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const r = await api("POST", "/organizations", { slug: orgForm["org-slug"].value.trim(), kind: orgForm["org-kind"].value,
        name_ja: orgForm["org-name-ja"].value.trim(), name_en: orgForm["org-name-en"].value.trim() });
      if (!r.ok) return showProblem(message, r.problem);
      done(t("admin.orgCreated"));
    });
    /** Renaming happens in the row: the two names, saved together. */
    const rename = (o) => (ev) => {
      const cell = ev.currentTarget.parentElement;
      const ja = input(`rename-ja-${o.id}`, { value: o.name_ja, "aria-label": t("admin.nameJa") });
      const en = input(`rename-en-${o.id}`, { value: o.name_en, "aria-label": t("admin.nameEn") });
      const form = h("form", { class: "inline-form", id: `rename-${o.id}` }, ja, " ", en, " ", h("button", { type: "submit", class: "secondary", text: t("admin.save") }));
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const r = await api("PATCH", `/organizations/${o.id}`, { name_ja: ja.value.trim(), name_en: en.value.trim() }, { headers: { "if-match": `"${o.version}"` } });
        if (!r.ok) return showProblem(message, r.problem);
        done(t("admin.orgRenamed"));
      });
      cell.replaceChildren(form);
      ja.focus();
    };

    const orgOptions = orgs.ok ? orgs.data.items.map((o) => [String(o.id), localName(o)]) : [];
    const userForm = h("form", { id: "user-form", novalidate: true },
      field("user-email", t("login.email"), input("user-email", { type: "email", required: true })),
      field("user-name", t("admin.userName"), input("user-name", { required: true })),
      field("user-role", t("admin.role"), select("user-role", ROLES.map((r) => [r, t(`role.${r}`)]))),
      field("user-org", t("project.organization"), select("user-org", orgOptions)),
      field("user-password", t("admin.initialPassword"), input("user-password", { type: "password", autocomplete: "new-password", required: true }), t("admin.passwordHint")),
      h("button", { type: "submit", id: "user-create", class: "secondary", text: t("admin.createUser") }));
    userForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const r = await api("POST", "/users", { email: userForm["user-email"].value.trim(), display_name: userForm["user-name"].value.trim(),
        role: userForm["user-role"].value, organization_id: Number(userForm["user-org"].value), password: userForm["user-password"].value });
      if (!r.ok) return showProblem(message, r.problem);
      done(t("admin.userCreated"));
    });
    /** A one-time reset code, shown once to the admin, to give the person by a trusted channel. */
    const issueReset = (u) => async () => {
      const r = await api("POST", `/users/${u.id}/password-reset`, {});
      if (!r.ok) return showProblem(message, r.problem);
      message.replaceChildren(h("div", { class: "ok", id: "reset-code", role: "status" },
        h("p", { text: t("admin.resetIssued", { name: u.display_name, until: dateTime(r.data.expires_at) }) }),
        h("p", {}, h("code", { class: "reset-code", text: r.data.code })),
        h("p", { class: "hint", text: t("admin.resetHint") })));
      message.querySelector("#reset-code").focus?.();
    };
    const setDisabled = (u) => async () => {
      const r = await api("PATCH", `/users/${u.id}`, { disabled: !u.disabled }, { headers: { "if-match": `"${u.version}"` } });
      if (!r.ok) return showProblem(message, r.problem);
      done(u.disabled ? t("admin.userEnabled") : t("admin.userDisabled"));
    };

    const audit = h("div", { id: "audit-log" });
    let auditPage = 1;
    // Filters, applied on the server: what was done (an action or a family of them), to which
    // kind of record (and which one), by whom, on which days.
    const actionKeys = Object.keys(TEXTS[state.lang]).filter((k) => k.startsWith("audit.")).map((k) => k.slice("audit.".length));
    const families = [...new Set(actionKeys.map((a) => a.split(".")[0]))];
    const entityName = (e) => t(`admin.entity.${e}`);
    const familyName = (f) => t(`auditFamily.${f}`);
    const entities = Object.keys(TEXTS[state.lang]).filter((k) => k.startsWith("admin.entity.")).map((k) => k.slice("admin.entity.".length));
    const auditFilter = h("form", { id: "audit-filter", class: "filters no-print", novalidate: true },
      field("af-action", t("data.action"), select("af-action", [["", t("common.all")],
        ...families.map((f) => [`${f}.`, `${familyName(f)}: ${t("common.all")}`]),
        ...actionKeys.map((a) => [a, `${familyName(a.split(".")[0])}: ${actionWords(a)}`])])),
      field("af-entity", t("admin.record"), select("af-entity", [["", t("common.all")], ...entities.map((e) => [e, entityName(e)])])),
      field("af-entity_id", t("admin.recordNumber"), input("af-entity_id", { inputmode: "numeric" })),
      field("af-actor", t("data.who"), select("af-actor", [["", t("common.all")], ...(users.ok ? users.data.items.map((u) => [String(u.id), `${u.display_name} (${u.email})`]) : [])])),
      field("af-from", t("admin.from"), input("af-from", { type: "date" })),
      field("af-to", t("admin.to"), input("af-to", { type: "date" })),
      h("button", { type: "submit", id: "audit-search", class: "secondary", text: t("common.search") }));
    auditFilter.addEventListener("submit", (ev) => { ev.preventDefault(); auditPage = 1; loadAudit(); });
    const loadAudit = async () => {
      const q = new URLSearchParams({ page: String(auditPage), per_page: "20" });
      for (const name of ["action", "entity", "entity_id", "actor", "from", "to"]) {
        const value = auditFilter.elements[`af-${name}`].value.trim();
        if (value) q.set(name, value);
      }
      const r = await api("GET", `/audit?${q}`);
      if (!r.ok) return showFieldProblems(auditFilter, audit, r.problem, "af-");
      if (!r.ok) return audit.replaceChildren(problemBox(r.problem));
      const pages = Math.max(1, Math.ceil(r.data.total / r.data.per_page));
      audit.replaceChildren(
        table([t("data.when"), t("data.action"), t("data.who"), t("admin.record")],
          r.data.items.map((e) => [dateTime(e.at), actionWords(e.action), e.actor_name || t("history.system"), `${TEXTS[state.lang][`admin.entity.${e.entity}`] ? t(`admin.entity.${e.entity}`) : e.entity} ${e.entity_id}`]), { id: "audit-entries" }),
        h("p", { class: "pager" }, t("projects.count", { total: r.data.total, page: auditPage, pages }).replace(/^[^:：]*[:：]\s*/, ""), " ",
          auditPage > 1 ? h("button", { type: "button", class: "link", text: t("projects.prev"), onclick: () => { auditPage -= 1; loadAudit(); } }) : null, " ",
          auditPage < pages ? h("button", { type: "button", class: "link", id: "audit-next", text: t("projects.next"), onclick: () => { auditPage += 1; loadAudit(); } }) : null));
    };
    loadAudit();

    page(t("admin.title"), message,
      h("h2", { text: t("admin.organizations") }),
      orgs.ok ? table([t("project.organization"), t("admin.kind"), t("admin.slug"), ""], orgs.data.items.map((o) => [localName(o), t(`orgKind.${o.kind}`), h("code", { text: o.slug }),
        h("button", { type: "button", class: "link", "data-org": o.slug, text: t("admin.rename"), onclick: rename(o) })]), { id: "organizations" }) : problemBox(orgs.problem),
      h("details", {}, h("summary", { text: t("admin.createOrg") }), orgForm),
      h("h2", { text: t("admin.users") }),
      users.ok ? table([t("admin.userName"), t("login.email"), t("project.organization"), t("admin.role"), t("admin.state"), ""], users.data.items.map((u) => [u.display_name, u.email,
        localName(u.organization), t(`role.${u.role}`), u.disabled ? t("admin.disabled") : t("admin.active"),
        h("span", { class: "actions" },
          h("button", { type: "button", class: "link", "data-user": u.email, text: u.disabled ? t("admin.enable") : t("admin.disable"), onclick: setDisabled(u) }), " ",
          h("button", { type: "button", class: "link", "data-reset": u.email, text: t("admin.issueReset"), onclick: issueReset(u) }))]), { id: "users" }) : problemBox(users.problem),
      h("details", {}, h("summary", { text: t("admin.createUser") }), userForm),
      h("h2", { text: t("admin.audit") }),
      h("button", { type: "button", id: "verify-chain", class: "secondary", text: t("admin.verifyChain"), onclick: async () => {
        const r = await api("GET", "/audit/verify");
        if (!r.ok) return showProblem(result, r.problem);
        const b = r.data.first_broken;
        result.replaceChildren(h("p", { class: b ? "error" : "ok", text: b ? t("admin.chainBroken", { seq: b.seq, reason: b.reason }) : t("admin.chainOk", { n: r.data.entries }) }));
      } }),
      result, auditFilter, audit);
  };

  // ---- Shell and routing ------------------------------------------------------------------

  const nav = () => {
    const links = [["#/", "nav.home"], ["#/projects", "nav.projects"]];
    const role = state.user && state.user.role;
    if (role === "government_staff") links.push(["#/projects/new", "nav.newProject"]);
    if (role === "evaluator") links.push(["#/queue", "nav.queue"]);
    if (role === "investor") links.push(["#/portfolio", "nav.portfolio"]);
    if (role === "platform_admin") links.push(["#/admin", "nav.admin"]);
    return links;
  };

  const renderShell = () => {
    document.documentElement.lang = state.lang;
    const header = document.getElementById("header");
    const langButton = h("button", { type: "button", id: "lang-switch", class: "secondary", lang: state.lang === "ja" ? "en" : "ja", "aria-label": t("lang.label"), text: t("lang.switch"), onclick: () => {
      state.lang = state.lang === "ja" ? "en" : "ja";
      localStorage.setItem("seika.lang", state.lang);
      render();
    } });
    header.replaceChildren(...[
      h("a", { class: "skip", href: "#main", text: t("skip"), onclick: (ev) => { ev.preventDefault(); document.getElementById("page-title")?.focus(); } }),
      h("div", { class: "brand" }, h("a", { href: "#/", text: t("app.name") }), h("span", { class: "tagline", text: t("app.tagline") })),
      state.user ? h("nav", { "aria-label": t("nav.main") }, h("ul", {}, nav().map(([href, key]) => h("li", {}, h("a", { href, "aria-current": location.hash === href ? "page" : null, text: t(key) }))))) : null,
      h("div", { class: "session" },
        langButton,
        h("span", { class: "wareki-setting" },
          h("input", { type: "checkbox", id: "wareki-switch", checked: state.wareki, onchange: (ev) => {
            state.wareki = ev.currentTarget.checked;
            localStorage.setItem("seika.wareki", state.wareki ? "1" : "0");
            render();
          } }), " ", h("label", { for: "wareki-switch", text: t("setting.wareki") })),
        state.user ? h("a", { class: "who", id: "who", href: "#/account", title: t("account.title"), text: `${state.user.display_name} (${t(`role.${state.user.role}`)})` }) : null,
        state.user ? h("button", { type: "button", id: "logout", class: "secondary", text: t("nav.logout"), onclick: () => logout() }) : null,
        h("a", { href: "/api/docs", text: t("nav.apiDocs") }))].filter((c) => c !== null));
  };

  const routes = [
    [/^#\/login$/, () => viewLogin()],
    [/^#\/?$/, () => viewHome()],
    [/^#\/projects$/, () => viewProjects()],
    [/^#\/projects\/new$/, () => viewNewProject(), ["government_staff"]],
    [/^#\/projects\/(\d+)$/, (id) => viewProject(id)],
    [/^#\/projects\/(\d+)\/amend$/, (id) => viewAmend(id)],
    [/^#\/projects\/(\d+)\/edit$/, (id) => viewEditDraft(id), ["government_staff"]],
    [/^#\/projects\/(\d+)\/data$/, (id) => viewData(id)],
    [/^#\/projects\/(\d+)\/records\/(\d+)$/, (id, rid) => viewHistory(id, rid)],
    [/^#\/projects\/(\d+)\/runs\/(\d+)$/, (id, rid) => viewRun(id, rid)],
    [/^#\/projects\/(\d+)\/claims\/new$/, (id) => viewNewClaim(id)],
    [/^#\/projects\/(\d+)\/claims\/(\d+)$/, (id, cid) => viewClaim(id, cid)],
    [/^#\/queue$/, () => viewQueue(), ["evaluator"]],
    [/^#\/portfolio$/, () => viewPortfolio(), ["investor"]],
    [/^#\/admin$/, () => viewAdmin(), ["platform_admin"]],
    [/^#\/account$/, () => viewAccount()],
    [/^#\/reset$/, () => viewReset()],
    [/^#\/public$/, () => viewPublicList()],
    [/^#\/public\/([a-z0-9-]+)$/, (code) => viewPublicProject(code)],
  ];

  /** Renders the current route. Renders run one after another, so a slow view of an earlier
   * route can never overwrite a later one. */
  let renders = Promise.resolve();
  const render = () => {
    renders = renders.then(renderNow, renderNow);
    return renders;
  };

  const renderNow = async () => {
    renderShell();
    const hash = location.hash || "#/";
    // Public pages need no login.
    if (!state.token && hash !== "#/login" && hash !== "#/reset" && !hash.startsWith("#/public")) {
      sessionStorage.setItem("seika.after-login", hash);
      location.hash = "#/login";
      return;
    }
    for (const [pattern, view, roles] of routes) {
      const m = hash.match(pattern);
      // A page a role cannot use is not drawn: the server would refuse its calls anyway.
      if (m && roles && !roles.includes(state.user.role)) return page(t("error.title"), h("p", { id: "not-for-role", text: t("error.notForRole") }));
      if (m) return view(...m.slice(1));
    }
    page(t("error.title"), h("p", { text: t("error.not-found") }));
  };

  // Uncaught errors are kept for the browser tests, which fail on any.
  window.seikaErrors = [];
  window.addEventListener("error", (e) => window.seikaErrors.push(String(e.message)));
  window.addEventListener("unhandledrejection", (e) => window.seikaErrors.push(String(e.reason && (e.reason.stack || e.reason))));
  window.addEventListener("hashchange", render);
  // A printed statement (A4, no navigation) shows every explanation, not only the opened ones.
  window.addEventListener("beforeprint", () => document.querySelectorAll("details.line").forEach((d) => { d.open = true; }));

  // ---- One session across this browser's tabs ------------------------------------------------
  // The token lives in each tab's sessionStorage (never in localStorage, so it is gone when the
  // last tab closes). A tab opened without one asks the other open tabs of this origin over a
  // BroadcastChannel and takes theirs; logging out in one tab logs out all of them.
  const sessions = "BroadcastChannel" in window ? new BroadcastChannel("seika.session") : null;
  let adopt = null;
  if (sessions) {
    sessions.onmessage = (ev) => {
      const m = ev.data || {};
      if (m.type === "ask" && state.token) sessions.postMessage({ type: "share", token: state.token, user: state.user });
      else if (m.type === "share" && adopt && !state.token && m.token) adopt(m);
      else if (m.type === "logout" && state.token) logout(false);
    };
  }
  const fromOtherTabs = () => new Promise((resolve) => {
    if (!sessions || state.token) return resolve();
    const done = () => { adopt = null; resolve(); };
    adopt = (m) => {
      state.token = m.token;
      state.user = m.user;
      store.setItem("seika.token", state.token);
      store.setItem("seika.user", JSON.stringify(state.user));
      done();
    };
    sessions.postMessage({ type: "ask" });
    setTimeout(done, 400);
  });
  window.seikaBroadcastLogout = () => sessions?.postMessage({ type: "logout" });
  fromOtherTabs().then(render);
})();
