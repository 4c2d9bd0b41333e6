// Public pages: what anyone may read of a published project, without signing in.
import { api, problemBox } from "../api.js";
import { paymentsChart } from "../charts.js";
import { badge, h, loading, page, table } from "../dom.js";
import { date, localName, metricValue, money, number, percent, t, titleOf } from "../format.js";

/** Results and counts as the public sees them: suppressed cells say so. */
const publicResult = (r) => (r.suppressed ? t("pub.suppressed")
  : r.numerator !== null && r.denominator !== null ? `${number(r.numerator)} / ${number(r.denominator)}`
    : r.metric_unit === "rate" && r.value !== null ? percent(Number(r.value)) : number(r.value));

export const viewPublicList = async () => {
  const res = await api("GET", "/public/projects");
  page(t("pub.listTitle"), h("p", { class: "lead", text: t("pub.listLead") }),
    !res.ok ? problemBox(res.problem) : res.data.length === 0 ? h("p", { text: t("pub.none") })
      : table([t("projects.title"), t("project.policyArea"), t("project.status"), t("project.cap"), t("pub.paid")],
        res.data.map((p) => [h("a", { href: `#/public/${p.code}`, text: titleOf(p) }), t(`area.${p.policy_area}`), badge(p.status),
          p.max_total_payment ? money(p.max_total_payment, p.currency) : t("pub.notPublic"), p.paid ? money(p.paid, p.currency) : t("pub.notPublic")]), { id: "public-projects" }),
    h("p", {}, h("a", { href: "/api/v1/public/indigo", text: t("pub.indigoAll") })));
};

export const viewPublicProject = async (code) => {
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
