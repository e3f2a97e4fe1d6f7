// A product's options form: a length typed in another unit keeps its value and its limits,
// converted from mm (the limits the page gives in data-min-mm and data-max-mm).
"use strict";

function significant(value) {
  return String(Number(value.toPrecision(6)));
}

function followUnits() {
  for (const unit of document.querySelectorAll("select[data-unit-of]")) {
    const input = document.getElementById(unit.dataset.unitOf);
    if (!input) continue;
    let mmPer = Number(unit.selectedOptions[0].dataset.mm);
    unit.addEventListener("change", () => {
      const now = Number(unit.selectedOptions[0].dataset.mm);
      if (input.value !== "" && Number.isFinite(Number(input.value))) {
        input.value = significant((Number(input.value) * mmPer) / now);
      }
      for (const [attribute, mm] of [["min", input.dataset.minMm], ["max", input.dataset.maxMm]]) {
        if (mm !== undefined) input.setAttribute(attribute, significant(Number(mm) / now));
      }
      mmPer = now;
    });
  }
}

document.addEventListener("DOMContentLoaded", followUnits);
