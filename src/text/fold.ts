/**
 * Folds Vietnamese (and other Latin) text for matching what people type: no diacritics, đ → d,
 * lower case, separators ignored. "Hà Tĩnh", "ha-tinh" and "HATINH" all fold to "hatinh".
 */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[đĐ]/g, "d")
    .toLowerCase()
    .replace(/[\s_.-]+/g, "");
}
