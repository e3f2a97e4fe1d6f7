// Bespoke pages: draw the scale curve with plotly.js, follow a background job.
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
  const page = document.getElementById("job");
  if (!page) return;
  const bar = page.querySelector(".progress div");
  const message = page.querySelector(".message");
  bar.style.width = Math.round(Number(page.dataset.progress) * 100) + "%";
  for (;;) {
    const response = await fetch("/api/jobs/" + page.dataset.job, { headers: { Accept: "application/json" } });
    const job = await response.json();
    bar.style.width = Math.round(job.progress * 100) + "%";
    message.textContent = job.status + ": " + job.message;
    if (job.status === "done") { window.location = job.result_url.replace(/^\/api/, ""); return; }
    if (job.status === "failed") {
      message.classList.add("error");
      document.querySelector("h1").textContent = "Planning failed";
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function drawGantt() {
  const holder = document.getElementById("gantt");
  const data = document.getElementById("gantt-data");
  if (!holder || !data || typeof Plotly === "undefined") return;
  holder.style.minHeight = holder.dataset.minHeight + "px";
  Plotly.newPlot(holder, JSON.parse(data.textContent), {
    barmode: "overlay",
    margin: { l: 140, r: 10, t: 10, b: 40 },
    xaxis: { type: "date" },
    yaxis: { autorange: "reversed", type: "category" },
    showlegend: false,
  }, { responsive: true, displayModeBar: false });
}

document.addEventListener("DOMContentLoaded", () => { drawCurve(); drawGantt(); followJob(); });
