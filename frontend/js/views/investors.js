// Investors: the portfolio and unit holdings.
import { api, downloadLinks, problemBox } from "../api.js";
import { cashFlowChart } from "../charts.js";
import { h, loading, page, table } from "../dom.js";
import { date, locale, localName, money, number, percent, t, titleOf } from "../format.js";
import { state } from "../state.js";
import { loadProject } from "./project.js";

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
export const viewPortfolio = async () => {
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
    u.max_per_unit ? money(u.max_per_unit, x.currency) : t("common.none"), u.max_reached ? t(u.held_back ? "units.reachedRetained" : "units.reachedNextStep", { amount: money(u.held_back, x.currency) }) : t("common.no"),
    money(u.remainder_carried, x.currency), money(u.remainder_retained, x.currency)]));
  if (!rows.length) return null;
  return h("div", { id: "unit-holdings" }, h("h3", { text: t("units.title") }), h("p", { class: "hint", text: t("units.hint") }),
    table([t("projects.title"), t("units.units"), t("units.price"), t("units.perUnit"), t("units.multiple"), t("units.max"), t("units.maxReached"), t("units.carried"), t("units.retained")],
      rows, { id: "unit-holdings-table" }));
};
