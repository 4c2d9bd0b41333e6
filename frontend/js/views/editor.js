// The contract editor: registering a project, editing a draft and amending terms.
import { api, download, placeOf, problemBox, XLSX_TYPE } from "../api.js";
import { announce, badge, field, h, input, main, page, select, table } from "../dom.js";
import { date, localName, money, namesOf, partName, said, t, titleOf } from "../format.js";
import { state, store } from "../state.js";
import { TEXTS } from "../texts.js";
import { POLICY_AREAS } from "./home.js";

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
/** Renames metric `from` to `to` wherever the terms refer to it (rules, conditions, a
 *  deduction's indicators, caps per one counted); whether anything referred to it. */
const renameMetric = (terms, from, to) => {
  let found = false;
  const swap = (holder) => { if (holder && holder.metric === from) { holder.metric = to; found = true; } };
  for (const c of terms.components || []) {
    swap(c.rule);
    (c.conditions || []).forEach(swap);
    ((c.rule || {}).indicators || []).forEach(swap);
  }
  (terms.tranches || []).forEach((x) => swap(x.cap_per_count));
  return found;
};
/** The metrics that count (unit `count`): what a cap per one counted multiplies by. */
const countMetricOptions = (terms) => (terms.metrics || []).filter((m) => m.unit === "count").map((m) => [m.id, localName(m.name || {}, "ja", "en") || m.id]);
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
  deduction: [f("money", "base", "ed.base"),
    f("list", "indicators", "ed.indicators", { item: "ed.indicator", row: true, blank: () => ({ metric: "", at_least: "", points: 1 }), fields: [
      f("sel", "metric", "project.metric", { options: metricOptions, structural: true }), f("mval", "at_least", "ed.atLeast"), f("mval", "at_most", "ed.atMost"), f("int", "points", "ed.points")] }),
    f("list", "bands", "ed.bands", { item: "ed.band", row: true, blank: () => ({ points: "", deduct: "" }), fields: [f("int", "points", "ed.fromPoints"), f("pct", "deduct", "ed.deduct")] })],
};
const blankRule = (type, previous = {}) => {
  const metric = previous.metric || "";
  return {
    fixed: { type, amount: "" }, rate_card: { type, outcomes: [{ outcome: "", price: "" }] }, person_period: { type, state: "", price_per_period: "" },
    tiered: { type, metric, steps: [{ at: "", amount: "" }] }, linear: { type, metric, target: "", max_amount: "" },
    corridor: { type, metric, none_at: "", full_at: "", max_amount: "" }, comparison: { type, metric, effect: "absolute", pay: { type: "threshold", at_least: "", amount: "" } },
    savings_share: { type, metric, share_before: "", share_after: "", switch_after: "" },
    deduction: { type, base: "", indicators: [{ metric, at_least: "", points: 1 }], bands: [{ points: 1, deduct: "" }] },
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
    f("opt", "invoicing", "ed.invoicing", { blank: () => ({ amounts_include_tax: true, tax_rate: "0.10", tax_rounding: "floor", inspection_days: 10, payment_days: 30 }), fields: [
      f("bool", "amounts_include_tax", "ed.amountsIncludeTax", { default: true }), f("pct", "tax_rate", "ed.taxRate"),
      f("sel", "tax_rounding", "ed.taxRounding", { options: () => ["floor", "ceiling", "half_up", "half_even", "half_down"].map((x) => [x, t(`ed.rounding.${x}`)]) }),
      f("int", "inspection_days", "ed.inspectionDays", { hint: "ed.inspectionDaysHint" }), f("int", "payment_days", "ed.paymentDays", { hint: "ed.paymentDaysHint" }),
      f("pct", "late_interest_annual_rate", "ed.lateInterest", { hint: "ed.lateInterestHint" })] }),
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
      f("date", "outcomes_from", "ed.outcomesFrom"), f("date", "outcomes_until", "ed.outcomesUntil"), f("money", "cap", "ed.trancheCap"),
      f("opt", "cap_per_count", "ed.capPerCount", { blank: () => ({ metric: "", amount: "" }), fields: [
        f("sel", "metric", "ed.countMetric", { options: (terms) => [["", t("common.none")], ...countMetricOptions(terms)] }), f("money", "amount", "ed.perCounted")] })] }),
  ] },
  { id: "metrics", title: "project.metrics", fields: [
    f("list", "metrics", "project.metrics", { item: "project.metric", blank: () => ({ id: "", name: { ja: "", en: "" }, unit: "rate", direction: "higher_is_better" }), fields: [
      f("text", "id", "ed.id", { hint: "valid.id", rename: renameMetric }), f("loc", "name", "ed.name"),
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
        f("sel", "above_maximum", "ed.aboveMaximum", { options: () => ["next_step", "retained"].map((x) => [x, t(`ed.aboveMaximum.${x}`)]) }),
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
export const forgetDraft = (scope) => {
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
  const textInput = (attrs, toText, fromText, figure) => {
    const el = input(id, { value: toText(value), disabled: locked, ...attrs });
    el.addEventListener("input", () => set(fromText(el.value.trim())));
    if (figure) el.addEventListener("change", () => readFigure(el, figure, toText));
    return el;
  };
  // What is typed as officers write figures (3,406万円, ９５％, 令和6年度) is read by the server's
  // one reader when the field is left; the field then holds the figure it read.
  const readFigure = async (el, kind, toText) => {
    const text = el.value.trim();
    if (!text || /^-?\d+(\.\d+)?$/.test(text)) return;
    const r = await api("POST", "/figures", { kind, text, currency: ctx.terms.currency || null });
    const box = document.getElementById(`${id}-error`);
    if (!r.ok) {
      const e = (r.problem.errors || [])[0];
      if (box) box.textContent = e ? e.message : r.problem.detail;
      el.setAttribute("aria-invalid", "true");
      return;
    }
    if (box) box.textContent = "";
    el.removeAttribute("aria-invalid");
    const whole = kind === "integer" || kind === "fiscal_year";
    set(r.data.value === null ? "" : whole ? Number(r.data.value) : r.data.value);
    el.value = toText(whole && r.data.value !== null ? Number(r.data.value) : r.data.value);
  };
  // A metric's own values are in its unit; a rule's or a condition's in the unit of the metric
  // it reads.
  const unitOf = () => (obj.unit && obj.direction ? obj.unit : ((ctx.terms.metrics || []).find((m) => m.id === (obj.metric || ctx.metric)) || {}).unit);
  switch (spec.kind) {
    case "text":
      if (spec.list) {
        return field(id, label, textInput({}, (v) => (v || []).join(", "), (v) => v.split(",").map((x) => x.trim()).filter(Boolean)), spec.hint ? t(spec.hint) : null);
      }
      if (spec.rename) {
        // Renaming (a metric's id) carries every reference to it along once the field is left:
        // from the last id it had (an emptied field in between renames nothing).
        const el = textInput({}, (v) => v ?? "", (v) => v);
        let before = value ?? "";
        el.addEventListener("focus", () => { if (el.value.trim()) before = el.value.trim(); });
        el.addEventListener("change", () => {
          const now = el.value.trim();
          if (!now) return;
          if (before && now !== before && spec.rename(ctx.terms, before, now)) changed(true);
          before = now;
        });
        return field(id, label, el, spec.hint ? t(spec.hint) : null);
      }
      return field(id, label, textInput({}, (v) => v ?? "", (v) => v), spec.hint ? t(spec.hint) : null);
    case "date":
      return field(id, label, textInput({ type: "date" }, (v) => v ?? "", (v) => v));
    case "money":
      return field(id, `${label} (${ctx.terms.currency || ""})`, textInput({ inputmode: "numeric" }, (v) => v ?? "", (v) => v, "money"));
    case "dec":
      return field(id, label, textInput({ inputmode: "decimal" }, (v) => v ?? "", (v) => v, "number"));
    case "int":
      return field(id, label, textInput({ inputmode: "numeric" }, (v) => (v ?? "") === "" ? "" : String(v), (v) => (/^\d{1,9}$/.test(v) ? Number(v) : v), spec.key === "fiscal_year" ? "fiscal_year" : "integer"), spec.hint ? t(spec.hint) : null);
    case "pct":
      return field(id, `${label} (%)`, textInput({ inputmode: "decimal" }, toPercent, fromPercent, "percent"), spec.hint ? t(spec.hint) : null);
    case "mval": {
      const rate = unitOf() === "rate";
      return field(id, rate ? `${label} (%)` : label, textInput({ inputmode: "decimal" }, rate ? toPercent : (v) => v ?? "", rate ? fromPercent : (v) => v, rate ? "percent" : "number"));
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
  // The server compares the two versions as people read them (names, yen, percentages); while
  // the draft cannot be read as terms, the last comparison stays with a note.
  let diffAsked = 0;
  const refreshDiff = async () => {
    if (mode !== "amend") return;
    const asked = ++diffAsked;
    const r = await api("POST", "/contract-comparisons", { in_force: current.terms, amended: terms });
    if (asked !== diffAsked) return;
    if (!r.ok) return diffHolder.querySelector("#amend-diff-unread") || diffHolder.prepend(h("p", { class: "hint", id: "amend-diff-unread", text: t("ed.diffUnread") }));
    const rows = r.data.changes.map((c) => [said(c.part), c.in_force ? said(c.in_force) : t("ed.absent"), c.amended ? said(c.amended) : t("ed.absent")]);
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

export const viewNewProject = () => contractEditor({ mode: "new" });
export const viewEditDraft = async (id) => {
  const res = await api("GET", `/projects/${id}`);
  if (!res.ok) return page(t("error.title"), problemBox(res.problem));
  if (res.data.status !== "draft") return page(t("error.title"), h("p", { id: "not-a-draft", text: t("ed.notADraft") }));
  return contractEditor({ mode: "edit", projectId: id, current: { ...res.data, etag: res.etag } });
};
export const viewAmend = async (id) => {
  const res = await api("GET", `/projects/${id}`);
  if (!res.ok) return page(t("error.title"), problemBox(res.problem));
  return contractEditor({ mode: "amend", projectId: id, current: { ...res.data, etag: res.etag } });
};
