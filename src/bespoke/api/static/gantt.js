// The shop's schedule page: draw its Gantt chart with plotly.js from the figure the server
// wrote into the page (labels, colours and legend are decided there).
"use strict";

function drawGantt() {
  const holder = document.getElementById("gantt");
  const data = document.getElementById("gantt-data");
  if (!holder || !data || typeof Plotly === "undefined") return;
  const figure = JSON.parse(data.textContent);
  holder.style.minHeight = figure.layout.height + "px";
  Plotly.newPlot(holder, figure.data, figure.layout, { responsive: true, displayModeBar: false });
}

document.addEventListener("DOMContentLoaded", drawGantt);
