// A project's page: terms, figures, open data, what-if preview and simulation.
import { api, download, downloadLinks, problemBox, showFieldProblems, showProblem, submissionDone, submissionKey } from "../api.js";
import { achievementChart, achievementHistoryChart, paymentsChart } from "../charts.js";
import { announce, badge, field, h, input, loading, page, s, select, table } from "../dom.js";
import { date, dateTime, fyLabel, localName, metricValue, money, namesOf, number, partName, percent, said, t, titleOf } from "../format.js";
import { state } from "../state.js";
import { budgetSection, canPrepareClaim, claimsTable, distributionsSection, moneyStages } from "./claims.js";

export const loadProject = async (id) => {
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

export const viewProject = async (id) => {
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
