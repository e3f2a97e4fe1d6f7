// Bespoke pages: draw the scale curve with plotly.js, follow a background task, narrow the
// re-quote form to the chosen material, hold an order button until its confirmation is ticked.
// Styles are set here, never inline in the pages (the content security policy forbids it).
"use strict";

function drawCurve() {
  const holder = document.getElementById("curve");
  const data = document.getElementById("curve-data");
  if (!holder || !data || typeof Plotly === "undefined") return;
  const traces = JSON.parse(data.textContent);
  const currency = holder.dataset.currency || "";
  Plotly.newPlot(holder, traces, {
    margin: { l: 60, r: 10, t: 10, b: 50 },
    xaxis: { type: "log", title: { text: "quantity" } },
    yaxis: { type: "log", title: { text: "unit price (" + currency + ")" } },
    legend: { orientation: "h", y: -0.25 },
  }, { responsive: true, displayModeBar: false });
}

async function followJob() {
  const page = document.getElementById("task");
  if (!page) return;
  const bar = page.querySelector(".progress div");
  const message = page.querySelector(".message");
  bar.style.width = Math.round(Number(page.dataset.progress) * 100) + "%";
  for (;;) {
    const response = await fetch("/api/tasks/" + page.dataset.task, { headers: { Accept: "application/json" } });
    const task = await response.json();
    bar.style.width = Math.round(task.progress * 100) + "%";
    message.textContent = task.status + ": " + task.message;
    if (task.status === "done") { window.location = task.result_url.replace(/^\/api/, ""); return; }
    if (task.status === "failed") {
      message.classList.add("error");
      document.querySelector("h1").textContent = page.dataset.failed;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

// The thicknesses stocked for the chosen material, and the finishes that fit its family.
function narrowToMaterial() {
  const material = document.getElementById("requote-material");
  const data = document.getElementById("stock-data");
  if (!material || !data) return;
  const stock = JSON.parse(data.textContent);
  const thickness = document.getElementById("requote-thickness");
  const finish = document.getElementById("requote-finish");
  material.addEventListener("change", () => {
    const chosen = stock.materials[material.value];
    if (!chosen) return;
    if (thickness) {
      const usual = thickness.options[0];
      thickness.replaceChildren(usual);
      for (const t of chosen.thicknesses) thickness.add(new Option(t + " mm", String(t)));
      thickness.value = "";
    }
    if (finish) {
      const none = finish.options[0];
      const fitting = Object.entries(stock.finishes).filter(([, f]) => f.families.includes(chosen.family));
      const kept = fitting.some(([id]) => id === finish.value) ? finish.value : "";
      finish.replaceChildren(none);
      for (const [id, f] of fitting) finish.add(new Option(f.name, id));
      finish.value = kept;
    }
  });
}

// A button marked data-needs="<checkbox id>" is held until that box is ticked.
function holdUntilConfirmed() {
  for (const button of document.querySelectorAll("button[data-needs]")) {
    const box = document.getElementById(button.dataset.needs);
    if (!box) continue;
    const update = () => { button.disabled = !box.checked; };
    box.addEventListener("change", update);
    update();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  drawCurve();
  followJob();
  narrowToMaterial();
  holdUntilConfirmed();
});
