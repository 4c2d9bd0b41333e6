// Outcome data (evaluators): entry, import, verification queue and history.
import { api, attachEvidence, download, downloadLinks, evidenceList, jobAnswer, placeOf, problemBox, showProblem, submissionDone, submissionKey, tableType } from "../api.js";
import { announce, badge, field, h, input, loading, page, select, table } from "../dom.js";
import { date, dateTime, fyLabel, localName, money, namesOf, percent, t, titleOf } from "../format.js";
import { state } from "../state.js";

/** Why an import stored nothing: each problem by its place in the file, in the user's language. */
const importErrors = (res, tableId) => {
  const errors = (res.problem.errors || []).map((e) => [placeOf(e), e.message]);
  return h("div", { class: "error", role: "alert" }, h("p", { class: "error-title", text: res.status === 422 ? t("data.importErrors") : problemBox(res.problem).textContent }),
    errors.length ? table([t("data.where"), t("data.expected")], errors, { id: tableId }) : null);
};

export const viewData = async (id) => {
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
    // Figures typed as officers write them (1,200, ８２％, ▲0.2) are read by the server's one
    // reader; what it cannot read is refused at its field, saying what to type.
    const figures = {};
    for (const name of ["r-value", "r-numerator", "r-denominator"]) {
      const text = get(name);
      const box = form.querySelector(`#${name}-error`);
      box.textContent = "";
      form.elements[name].setAttribute("aria-invalid", "false");
      if (!text) continue;
      const kind = /[%％]$/.test(text) ? "percent" : "number";
      const r = await api("POST", "/figures", { kind, text });
      if (r.ok) { figures[name] = r.data.value; continue; }
      const e = (r.problem.errors || [])[0];
      box.textContent = e ? e.message : r.problem.detail;
      form.elements[name].setAttribute("aria-invalid", "true");
    }
    if (form.querySelector("[aria-invalid='true']")) return showProblem(message, { type: "/problems/validation-failed", errors: [] });
    const metric = get("r-metric");
    const body = metric.startsWith("milestone:")
      ? { kind: "milestone", metric: metric.slice(10), achieved_on: get("r-achieved") || null, evidence: get("r-evidence") || null }
      : { metric, tranche: get("r-tranche") || null, value: figures["r-value"] ?? null, numerator: figures["r-numerator"] ?? null, denominator: figures["r-denominator"] ?? null, evidence: get("r-evidence") || null };
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

export const viewHistory = async (id, recordId) => {
  const res = await api("GET", `/projects/${id}/outcome-results/${recordId}/history`);
  if (!res.ok) return page(t("error.title"), problemBox(res.problem));
  page(`${t("data.history")} #${recordId}`,
    h("p", {}, h("a", { href: `#/projects/${id}/data`, text: `← ${t("data.title")}` })),
    table([t("data.when"), t("data.action"), t("data.who"), t("history.details")], res.data.map((e) => [dateTime(e.at), actionWords(e.action), e.actor_name || t("history.system"), auditDetails(e)]), { id: "history" }));
};

/** An audit action as words; an action without words yet keeps its name. */
export const actionWords = (action) => {
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
export const viewQueue = async () => {
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
