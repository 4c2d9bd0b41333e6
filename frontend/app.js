// Seika's web frontend: a small single-page app over Seika's own JSON API, as native ES modules
// (no build step, nothing from elsewhere; the binary embeds these files as they are).
// This entry module starts the app: error collection for the browser tests, one session across tabs.
import { render } from "./js/router.js";
import { logout } from "./js/session.js";
import { state, store } from "./js/state.js";

// Uncaught errors are kept for the browser tests, which fail on any.
window.seikaErrors = [];
window.addEventListener("error", (e) => window.seikaErrors.push(String(e.message)));
window.addEventListener("unhandledrejection", (e) => window.seikaErrors.push(String(e.reason && (e.reason.stack || e.reason))));
window.addEventListener("hashchange", render);
// A printed statement (A4, no navigation) shows every explanation, not only the opened ones.
window.addEventListener("beforeprint", () => document.querySelectorAll("details.line").forEach((d) => { d.open = true; }));

// ---- One session across this browser's tabs ------------------------------------------------
// The token lives in each tab's sessionStorage (never in localStorage, so it is gone when the
// last tab closes). A tab opened without one asks the other open tabs of this origin over a
// BroadcastChannel and takes theirs; logging out in one tab logs out all of them.
const sessions = "BroadcastChannel" in window ? new BroadcastChannel("seika.session") : null;
let adopt = null;
if (sessions) {
  sessions.onmessage = (ev) => {
    const m = ev.data || {};
    if (m.type === "ask" && state.token) sessions.postMessage({ type: "share", token: state.token, user: state.user });
    else if (m.type === "share" && adopt && !state.token && m.token) adopt(m);
    else if (m.type === "logout" && state.token) logout(false);
  };
}
const fromOtherTabs = () => new Promise((resolve) => {
  if (!sessions || state.token) return resolve();
  const done = () => { adopt = null; resolve(); };
  adopt = (m) => {
    state.token = m.token;
    state.user = m.user;
    store.setItem("seika.token", state.token);
    store.setItem("seika.user", JSON.stringify(state.user));
    done();
  };
  sessions.postMessage({ type: "ask" });
  setTimeout(done, 400);
});
window.seikaBroadcastLogout = () => sessions?.postMessage({ type: "logout" });
fromOtherTabs().then(render);
