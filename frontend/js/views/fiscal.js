// The fiscal-year view (government staff): every contract of the organization by 年度, with the
// year's totals. Every figure is the server's; this page only lays them out.
import { api, downloadLinks, problemBox } from "../api.js";
import { h, page, table } from "../dom.js";
import { fyLabel, localName, money, t } from "../format.js";

const yearTable = (year) => {
  const cur = year.currency;
  const cells = (f) => [money(f.appropriated, cur), money(f.commitment_limit, cur), money(f.committed, cur), money(f.paid, cur), money(f.projected, cur), money(f.needed, cur),
    f.remaining === null ? t("common.none") : h("span", { class: f.remaining.startsWith("-") ? "overdue" : null, text: money(f.remaining, cur) })];
  const rows = year.contracts.map((c) => [h("a", { href: `#/projects/${c.project_id}`, text: localName(c, "title_ja", "title_en") }), ...cells(c)]);
  rows.push([h("strong", { text: t("fy.total") }), ...cells(year.total)]);
  return h("section", { class: "fiscal-year" },
    h("h2", { text: `${fyLabel(year.fiscal_year)} (${cur})` }),
    table([t("projects.title"), t("project.appropriated"), t("budget.limit"), t("budget.committed"), t("claims.paid"), t("budget.projected"), t("fy.needed"), t("project.budgetLeft")],
      rows, { id: `fiscal-year-${year.fiscal_year}-${cur}` }));
};

export const viewFiscalYears = async () => {
  const res = await api("GET", "/fiscal-years");
  if (!res.ok) return page(t("fy.title"), problemBox(res.problem));
  const years = res.data.years;
  return page(t("fy.title"), h("p", { class: "lead", text: t("fy.lead") }),
    downloadLinks("fiscal-years-download", "/fiscal-years/download", "fiscal-years"),
    years.length ? h("div", { id: "fiscal-years" }, years.map(yearTable)) : h("p", { id: "fiscal-years-empty", text: t("fy.none") }));
};
