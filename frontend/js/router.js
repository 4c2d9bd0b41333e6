// The page frame and the routes: which view draws which address, and for which role.
import { h, page } from "./dom.js";
import { t } from "./format.js";
import { logout } from "./session.js";
import { state } from "./state.js";
import { viewAccount, viewLogin, viewReset } from "./views/account.js";
import { viewAdmin } from "./views/admin.js";
import { viewClaim, viewNewClaim, viewRun } from "./views/claims.js";
import { viewData, viewHistory, viewQueue } from "./views/data.js";
import { viewAmend, viewEditDraft, viewNewProject } from "./views/editor.js";
import { viewFiscalYears } from "./views/fiscal.js";
import { viewHome, viewProjects } from "./views/home.js";
import { viewPortfolio } from "./views/investors.js";
import { viewProject } from "./views/project.js";
import { viewPublicList, viewPublicProject } from "./views/public.js";

const nav = () => {
  const links = [["#/", "nav.home"], ["#/projects", "nav.projects"]];
  const role = state.user && state.user.role;
  if (role === "government_staff") links.push(["#/projects/new", "nav.newProject"], ["#/fiscal-years", "nav.fiscalYears"]);
  if (role === "evaluator") links.push(["#/queue", "nav.queue"]);
  if (role === "investor") links.push(["#/portfolio", "nav.portfolio"]);
  if (role === "platform_admin") links.push(["#/admin", "nav.admin"]);
  return links;
};

const renderShell = () => {
  document.documentElement.lang = state.lang;
  const header = document.getElementById("header");
  const langButton = h("button", { type: "button", id: "lang-switch", class: "secondary", lang: state.lang === "ja" ? "en" : "ja", "aria-label": t("lang.label"), text: t("lang.switch"), onclick: () => {
    state.lang = state.lang === "ja" ? "en" : "ja";
    localStorage.setItem("seika.lang", state.lang);
    render();
  } });
  header.replaceChildren(...[
    h("a", { class: "skip", href: "#main", text: t("skip"), onclick: (ev) => { ev.preventDefault(); document.getElementById("page-title")?.focus(); } }),
    h("div", { class: "brand" }, h("a", { href: "#/", text: t("app.name") }), h("span", { class: "tagline", text: t("app.tagline") })),
    state.user ? h("nav", { "aria-label": t("nav.main") }, h("ul", {}, nav().map(([href, key]) => h("li", {}, h("a", { href, "aria-current": location.hash === href ? "page" : null, text: t(key) }))))) : null,
    h("div", { class: "session" },
      langButton,
      h("span", { class: "wareki-setting" },
        h("input", { type: "checkbox", id: "wareki-switch", checked: state.wareki, onchange: (ev) => {
          state.wareki = ev.currentTarget.checked;
          localStorage.setItem("seika.wareki", state.wareki ? "1" : "0");
          render();
        } }), " ", h("label", { for: "wareki-switch", text: t("setting.wareki") })),
      state.user ? h("a", { class: "who", id: "who", href: "#/account", title: t("account.title"), text: `${state.user.display_name} (${t(`role.${state.user.role}`)})` }) : null,
      state.user ? h("button", { type: "button", id: "logout", class: "secondary", text: t("nav.logout"), onclick: () => logout() }) : null,
      h("a", { href: "/api/docs", text: t("nav.apiDocs") }))].filter((c) => c !== null));
};

const routes = [
  [/^#\/login$/, () => viewLogin()],
  [/^#\/?$/, () => viewHome()],
  [/^#\/projects$/, () => viewProjects()],
  [/^#\/projects\/new$/, () => viewNewProject(), ["government_staff"]],
  [/^#\/projects\/(\d+)$/, (id) => viewProject(id)],
  [/^#\/projects\/(\d+)\/amend$/, (id) => viewAmend(id)],
  [/^#\/projects\/(\d+)\/edit$/, (id) => viewEditDraft(id), ["government_staff"]],
  [/^#\/projects\/(\d+)\/data$/, (id) => viewData(id)],
  [/^#\/projects\/(\d+)\/records\/(\d+)$/, (id, rid) => viewHistory(id, rid)],
  [/^#\/projects\/(\d+)\/runs\/(\d+)$/, (id, rid) => viewRun(id, rid)],
  [/^#\/projects\/(\d+)\/claims\/new$/, (id) => viewNewClaim(id)],
  [/^#\/projects\/(\d+)\/claims\/(\d+)$/, (id, cid) => viewClaim(id, cid)],
  [/^#\/queue$/, () => viewQueue(), ["evaluator"]],
  [/^#\/fiscal-years$/, () => viewFiscalYears(), ["government_staff"]],
  [/^#\/portfolio$/, () => viewPortfolio(), ["investor"]],
  [/^#\/admin$/, () => viewAdmin(), ["platform_admin"]],
  [/^#\/account$/, () => viewAccount()],
  [/^#\/reset$/, () => viewReset()],
  [/^#\/public$/, () => viewPublicList()],
  [/^#\/public\/([a-z0-9-]+)$/, (code) => viewPublicProject(code)],
];

/** Renders the current route. Renders run one after another, so a slow view of an earlier
 * route can never overwrite a later one. */
let renders = Promise.resolve();
export const render = () => {
  renders = renders.then(renderNow, renderNow);
  return renders;
};

const renderNow = async () => {
  renderShell();
  const hash = location.hash || "#/";
  // Public pages need no login.
  if (!state.token && hash !== "#/login" && hash !== "#/reset" && !hash.startsWith("#/public")) {
    sessionStorage.setItem("seika.after-login", hash);
    location.hash = "#/login";
    return;
  }
  for (const [pattern, view, roles] of routes) {
    const m = hash.match(pattern);
    // A page a role cannot use is not drawn: the server would refuse its calls anyway.
    if (m && roles && !roles.includes(state.user.role)) return page(t("error.title"), h("p", { id: "not-for-role", text: t("error.notForRole") }));
    if (m) return view(...m.slice(1));
  }
  page(t("error.title"), h("p", { text: t("error.not-found") }));
};
