// Claims, inspection and payment; budgets, distributions and payout runs.
import { api, downloadLinks, problemBox, showFieldProblems, showProblem } from "../api.js";
import { announce, badge, field, h, input, loading, page, select, table } from "../dom.js";
import { date, dateTime, fyLabel, localName, metricValue, money, namesOf, number, orWithheld, partName, percent, said, t, titleOf } from "../format.js";
import { state } from "../state.js";
import { TEXTS } from "../texts.js";
import { loadProject, viewProject } from "./project.js";

/** Who may prepare a claim (the server decides; this only offers the button). */
export const canPrepareClaim = (project) => {
  const role = state.user.role;
  const mine = (r) => project.parties.some((p) => p.role === r && p.organization_id === state.user.organization.id && p.status === "accepted");
  return (role === "government_staff" && project.owner_organization_id === state.user.organization.id)
    || (role === "service_provider" && mine("service_provider"))
    || (role === "investor" && mine("intermediary"));
};
const isPayerStaff = (claim) => state.user.role === "government_staff" && state.user.organization.slug === claim.payer;

/** The money of a project at each stage, as the server adds it up; each under its own name. */
export const moneyStages = (figures, currency) => {
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

export const claimsTable = (id, claims) => table(
  [t("run.tranche"), t("party.outcome_payer"), t("claims.total"), t("project.status"), t("claims.received"), t("claims.inspectionDue"), t("claims.paymentDue"), t("claims.paid"), ""],
  claims.map((c) => [c.tranche, localName(c, "payer_name_ja", "payer_name_en"), money(c.total, c.currency), badge(c.status), date(c.received_on),
    deadline(c.inspection_due_on, c.inspection_overdue), deadline(c.payment_due_on, c.payment_overdue), money(c.paid, c.currency),
    h("a", { href: `#/projects/${id}/claims/${c.id}`, text: t("common.open") })]), { id: "claims" });


/** The budget per fiscal year against appropriations and the 債務負担行為, with the server's
 * warnings; the owner's staff enter appropriations and the commitment here. */
const budgetWarningText = (w, cur) => t(`budget.warning.${w.kind}`, { year: w.fiscal_year ? fyLabel(w.fiscal_year) : "",
  needed: money(w.needed, cur), appropriated: money(w.appropriated, cur), limit: money(w.limit, cur), maximum: money(w.maximum, cur) });

export const budgetSection = (id, isOwner, b) => {
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
export const distributionsSection = (id, project, view) => {
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

export const viewNewClaim = async (id) => {
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

export const viewClaim = async (id, claimId) => {
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


export const viewRun = async (id, runId) => {
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
