// Seika's frontend is native ES modules with no build step: nothing checks an import before a
// browser runs it. These rules do: a name used and not defined or imported (no-undef), and an
// import or variable nobody uses (no-unused-vars).
import globals from "globals";

export default [{
  files: ["**/*.js"],
  languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.browser } },
  rules: {
    "no-undef": "error",
    "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
  },
}, {
  // The API reference page is a classic script of its own.
  files: ["api-docs.js"],
  languageOptions: { sourceType: "script" },
}];
