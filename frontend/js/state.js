// Who is signed in, the chosen language and display settings: the state every view reads.

export const store = window.sessionStorage;
export const state = {
  lang: localStorage.getItem("seika.lang") || ((navigator.language || "en").startsWith("ja") ? "ja" : "en"),
  token: store.getItem("seika.token"),
  user: JSON.parse(store.getItem("seika.user") || "null"),
  /** Dates also in the Japanese era (令和6年4月1日), a display setting kept in this browser. */
  wareki: localStorage.getItem("seika.wareki") === "1",
};
