// Ending a session, in this tab and in every other tab of this browser.
import { api } from "./api.js";
import { render } from "./router.js";
import { state, store } from "./state.js";
import { forgetDraft } from "./views/editor.js";

export const logout = async (callServer = true) => {
  if (callServer) sessionStorage.removeItem("seika.session-ended");
  if (callServer && state.token) {
    await api("POST", "/auth/logout", {});
    window.seikaBroadcastLogout?.();
  }
  forgetDraft();
  state.token = null;
  state.user = null;
  store.removeItem("seika.token");
  store.removeItem("seika.user");
  location.hash = "#/login";
  render();
};
