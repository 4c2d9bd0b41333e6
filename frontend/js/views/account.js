// Signing in, setting a password with a reset code, and one's own account.
import { api, showProblem } from "../api.js";
import { announce, field, h, input, page } from "../dom.js";
import { localName, t } from "../format.js";
import { render } from "../router.js";
import { logout } from "../session.js";
import { state, store } from "../state.js";

export const viewLogin = () => {
  const errors = h("div", { id: "login-errors" });
  // Kept until the next login (the login page may be drawn twice as the address changes).
  const ended = sessionStorage.getItem("seika.session-ended");
  const form = h("form", { id: "login-form", novalidate: true },
    field("email", t("login.email"), input("email", { type: "email", autocomplete: "username", required: true })),
    field("password", t("login.password"), input("password", { type: "password", autocomplete: "current-password", required: true })),
    h("button", { type: "submit", id: "login-submit", text: t("login.submit") }),
    errors,
    h("p", { class: "hint", text: t("login.demo") }),
    h("p", {}, h("a", { href: "#/reset", id: "reset-link", text: t("reset.link") })),
    h("p", {}, h("a", { href: "#/public", id: "public-projects-link", text: t("pub.listTitle") })));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const res = await api("POST", "/auth/login", { email: form.email.value, password: form.password.value });
    if (!res.ok) return showProblem(errors, res.problem);
    state.token = res.data.access_token;
    state.user = res.data.user;
    store.setItem("seika.token", state.token);
    store.setItem("seika.user", JSON.stringify(state.user));
    sessionStorage.removeItem("seika.session-ended");
    // Where the link pointed before signing in (a page of this app only).
    const wanted = sessionStorage.getItem("seika.after-login");
    sessionStorage.removeItem("seika.after-login");
    location.hash = wanted && wanted.startsWith("#/") && wanted !== "#/login" ? wanted : "#/";
  });
  page(t("login.title"), ended ? h("p", { class: "notice", id: "session-ended", role: "status", text: t("login.sessionEnded") }) : null, form);
};

/** Setting a new password with the one-time code an administrator issued (no login). */
export const viewReset = () => {
  const errors = h("div", { id: "reset-errors", "aria-live": "polite" });
  const form = h("form", { id: "reset-form", novalidate: true },
    field("reset-email", t("login.email"), input("reset-email", { type: "email", autocomplete: "username", required: true })),
    field("reset-code", t("reset.code"), input("reset-code", { autocomplete: "one-time-code", required: true }), t("reset.codeHint")),
    field("reset-password", t("account.newPassword"), input("reset-password", { type: "password", autocomplete: "new-password", required: true }), t("admin.passwordHint")),
    h("button", { type: "submit", id: "reset-submit", text: t("reset.submit") }),
    errors);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const res = await api("POST", "/auth/password-reset", { email: form["reset-email"].value.trim(), code: form["reset-code"].value.trim(), new_password: form["reset-password"].value });
    if (!res.ok) return showProblem(errors, res.problem);
    page(t("reset.title"), h("p", { class: "ok", id: "reset-done", role: "status", text: t("reset.done") }), h("p", {}, h("a", { href: "#/login", class: "button", text: t("login.submit") })));
  });
  page(t("reset.title"), h("p", { class: "lead", text: t("reset.lead") }), form);
};

/** The signed-in person's account: who they are, and a new password (signed in again with it,
 *  since every older token stops working). */
export const viewAccount = () => {
  const errors = h("div", { id: "account-errors", "aria-live": "polite" });
  const form = h("form", { id: "password-form", novalidate: true },
    field("current-password", t("account.currentPassword"), input("current-password", { type: "password", autocomplete: "current-password", required: true })),
    field("new-password", t("account.newPassword"), input("new-password", { type: "password", autocomplete: "new-password", required: true }), t("admin.passwordHint")),
    h("button", { type: "submit", id: "password-submit", text: t("account.change") }),
    errors);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const fresh = form["new-password"].value;
    const res = await api("POST", "/auth/password", { current_password: form["current-password"].value, new_password: fresh });
    if (!res.ok) return showProblem(errors, res.problem);
    const again = await api("POST", "/auth/login", { email: state.user.email, password: fresh });
    if (!again.ok) return logout(false);
    state.token = again.data.access_token;
    state.user = again.data.user;
    store.setItem("seika.token", state.token);
    store.setItem("seika.user", JSON.stringify(state.user));
    await render();
    announce(t("account.changed"));
  });
  page(t("account.title"),
    h("p", { class: "lead", id: "account-who", text: `${state.user.display_name} · ${state.user.email} · ${t(`role.${state.user.role}`)} · ${localName(state.user.organization)}` }),
    h("h2", { text: t("account.passwordTitle") }), form);
};
