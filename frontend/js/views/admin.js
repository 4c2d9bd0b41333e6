// Platform administration: organizations, users and the audit log.
import { api, problemBox, showFieldProblems, showProblem } from "../api.js";
import { announce, field, h, input, page, select, table } from "../dom.js";
import { dateTime, localName, t } from "../format.js";
import { state } from "../state.js";
import { TEXTS } from "../texts.js";
import { actionWords } from "./data.js";

const ORG_KINDS = ["local_government", "central_government", "service_provider", "intermediary", "evaluator", "investor", "platform"];
const ROLES = ["government_staff", "evaluator", "investor", "service_provider", "platform_admin"];

/** Platform administration: organizations, users and the audit log, every job in the page. */
export const viewAdmin = async () => {
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
