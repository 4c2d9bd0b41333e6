// Both languages' texts, keyed by language code: the language can be switched without a reload.
import en from "../texts/en.js";
import ja from "../texts/ja.js";

export const TEXTS = { en, ja };
