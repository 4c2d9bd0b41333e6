// Texts and formats: every word a person reads comes from the texts (texts/en.js, texts/ja.js);
// amounts, dates and percentages are formatted here, never computed.
import { state } from "./state.js";
import { TEXTS } from "./texts.js";

export const t = (key, params = {}) => {
  const text = TEXTS[state.lang][key] ?? TEXTS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => params[name] ?? "");
};
export const locale = () => (state.lang === "ja" ? "ja-JP" : "en-GB");
export const money = (amount, currency) => {
  if (amount === null || amount === undefined || amount === "") return t("common.none");
  const formatted = new Intl.NumberFormat(locale(), { style: "currency", currency, currencyDisplay: "narrowSymbol" }).format(amount);
  return formatted.replace("￥", "¥");
};
/** An amount the server withheld (null) because it would reveal another investor's position. */
export const orWithheld = (amount, currency) => (amount === null ? t("dist.withheld") : money(amount, currency));
export const number = (value) => (value === null || value === undefined ? t("common.none") : new Intl.NumberFormat(locale(), { maximumFractionDigits: 4 }).format(value));
export const percent = (ratio, digits = 1) => new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: digits }).format(ratio);
const eraFormat = (options) => new Intl.DateTimeFormat("ja-JP-u-ca-japanese", { era: "long", ...options });
/** A day as people read it: 西暦, or with the display setting on, 令和6年4月1日 (Japanese) or
 *  1 Apr 2024 (令和6年) (English). Only formatting: the day itself is the server's. */
export const date = (iso) => {
  if (!iso) return t("common.none");
  const day = new Date(`${iso.slice(0, 10)}T00:00:00`);
  const western = new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(day);
  if (!state.wareki) return western;
  const era = eraFormat({ year: "numeric", month: "long", day: "numeric" }).format(day);
  return state.lang === "ja" ? era : `${western} (${eraFormat({ year: "numeric" }).format(day)})`;
};
export const dateTime = (iso) => new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(`${iso}Z`));
/** A fiscal year (April–March): 2024年度 or FY2024, with the era setting 令和6年度 (FY2024). */
export const fyLabel = (year) => {
  const western = state.lang === "ja" ? `${year}年度` : `FY${year}`;
  if (!state.wareki) return western;
  const era = `${eraFormat({ year: "numeric" }).format(new Date(`${year}-04-01T00:00:00`)).replace(/年$/, "")}年度`;
  return state.lang === "ja" ? era : `${western} (${era})`;
};
export const localName = (obj, ja = "name_ja", en = "name_en") => (state.lang === "ja" ? obj[ja] : obj[en]) || obj[en] || obj[ja];
export const titleOf = (p) => localName(p, "title_ja", "title_en");
/** A tranche's or a component's name: one text, or {ja, en} in the interface language. */
export const partName = (name, fallback) => (!name ? fallback : typeof name === "object" ? localName(name, "ja", "en") || fallback : name);
/** The names of a contract's parts by their ids: metrics, tranches, milestones, priced outcomes. */
export const namesOf = (terms) => {
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
export const said = (words, fallback) => (words ? words[state.lang] || words.en || fallback : fallback);

/** A metric's baseline or target as people read it: rates as percentages. */
export const metricValue = (unit, v) => (v === null || v === undefined ? t("common.none") : unit === "rate" ? percent(Number(v)) : number(v));
