// The preview shown when a citation chip is hovered or focused: outlet, title, the quote.

import { el, formatDate } from "./dom.js";

const popover = document.getElementById("popover");
let owner = null;
let showTimer = 0;

function fill(citation) {
  const kicker = [citation.outlet, formatDate(citation.published)].filter(Boolean).join(" · ");
  const parts = [];
  if (kicker) parts.push(el("p", "popover__kicker", kicker));
  parts.push(el("p", "popover__title", citation.title));
  parts.push(el("blockquote", "popover__quote", citation.quote));
  const others = (citation.also_reported_by || []).length;
  const footer = el("p", "popover__footer");
  if (others) footer.append(el("span", "badge", `Reported by ${others + 1} sources`));
  footer.append(el("span", "popover__hint", "Click to read the article"));
  parts.push(footer);
  popover.replaceChildren(...parts);
}

function place(anchor) {
  const margin = 8;
  const rect = anchor.getBoundingClientRect();
  const width = Math.min(360, window.innerWidth - margin * 2);
  popover.style.width = `${width}px`;
  const left = Math.max(margin, Math.min(rect.left + rect.width / 2 - width / 2,
    window.innerWidth - width - margin));
  popover.style.left = `${left}px`;
  const height = popover.offsetHeight;
  const below = rect.bottom + margin;
  const top = below + height <= window.innerHeight - margin || rect.top - height - margin < 0
    ? below : rect.top - height - margin;
  popover.style.top = `${Math.max(margin, top)}px`;
}

export function showPopover(anchor, citation) {
  clearTimeout(showTimer);
  owner = anchor;
  fill(citation);
  popover.hidden = false;
  place(anchor);
  anchor.setAttribute("aria-describedby", "popover");
}

export function hidePopover() {
  clearTimeout(showTimer);
  if (owner) owner.removeAttribute("aria-describedby");
  owner = null;
  popover.hidden = true;
}

export const popoverOpen = () => !popover.hidden;

/** Wire a chip: preview on hover (after a short pause) and on keyboard focus. */
export function attachPopover(chip, citation) {
  chip.addEventListener("mouseenter", () => {
    clearTimeout(showTimer);
    showTimer = setTimeout(() => showPopover(chip, citation), 120);
  });
  chip.addEventListener("mouseleave", hidePopover);
  chip.addEventListener("focus", () => {
    if (chip.matches(":focus-visible")) showPopover(chip, citation);
  });
  chip.addEventListener("blur", hidePopover);
}

window.addEventListener("scroll", hidePopover, { passive: true, capture: true });
window.addEventListener("resize", hidePopover);
