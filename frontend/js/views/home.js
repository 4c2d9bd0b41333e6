// The home page of each role, and the list of projects.
import { api, downloadLinks, problemBox, showProblem } from "../api.js";
import { announce, badge, field, h, input, page, select, table } from "../dom.js";
import { date, dateTime, localName, money, percent, said, t, titleOf } from "../format.js";
import { render } from "../router.js";
import { state } from "../state.js";

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
/** The draft terms behind an invitation, read before answering: fetched when opened. */
const invitationTerms = (inv) => {
  const body = h("div", { class: "invitation-terms", "aria-live": "polite" });
  const open = async (ev) => {
    if (!ev.currentTarget.open || body.childNodes.length) return;
    const r = await api("GET", `/invitations/${inv.id}/terms`);
    if (!r.ok) return body.replaceChildren(problemBox(r.problem));
    const d = r.data;
    body.replaceChildren(
      h("p", {}, h("strong", { text: `${t("project.cap")}: ` }), money(d.max_total_payment, d.currency)),
      table([t("run.component"), t("run.tranche"), t("new.dueOn"), t("invitation.pays")],
        d.payments.map((p) => [said(p.name), said(p.tranche), date(p.due_on), said(p.description)]), { id: `invitation-${inv.id}-payments` }));
  };
  return h("details", { id: `invitation-${inv.id}-terms`, ontoggle: open }, h("summary", { text: t("invitation.readTerms") }), body);
};

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
        h("span", {}, localName(inv, "project_title_ja", "project_title_en"), invitationTerms(inv)),
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

export const viewHome = async () => {
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
export const POLICY_AREAS = ["health", "child_and_family_welfare", "employment_and_training", "poverty_reduction", "education", "criminal_justice", "homelessness", "community"];

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

export const viewProjects = async () => page(t("projects.title"), projectBrowser(),
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
