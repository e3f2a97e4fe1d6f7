// The quote page's drawing: pan with a drag or the arrow keys, zoom with the wheel, a pinch,
// + and - or the buttons; a mark and its entry in the list light up together when either
// is pointed at, focused or clicked, and a clicked entry brings its mark into view.
"use strict";

(function () {
  const figure = document.getElementById("drawing-view");
  if (!figure) return;
  const svg = figure.querySelector("svg.drawing");
  const home = svg.dataset.home.split(" ").map(Number);
  let box = home.slice();
  const pointers = new Map();

  function show() {
    svg.setAttribute("viewBox", box.map((v) => v.toFixed(3)).join(" "));
  }

  // Zoom by `factor` (> 1 nearer) about a point of the drawing (page units of the SVG).
  function zoom(factor, cx, cy) {
    const width = Math.min(home[2] * 4, Math.max(home[2] / 500, box[2] / factor));
    const scale = width / box[2];
    const x = cx === undefined ? box[0] + box[2] / 2 : cx;
    const y = cy === undefined ? box[1] + box[3] / 2 : cy;
    box = [x - (x - box[0]) * scale, y - (y - box[1]) * scale, box[2] * scale, box[3] * scale];
    show();
  }

  function toDrawing(clientX, clientY) {
    const point = new DOMPoint(clientX, clientY).matrixTransform(svg.getScreenCTM().inverse());
    return [point.x, point.y];
  }

  function unitsPerPixel() {
    const rect = svg.getBoundingClientRect();
    return Math.max(box[2] / rect.width, box[3] / rect.height);
  }

  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const [x, y] = toDrawing(event.clientX, event.clientY);
    zoom(event.deltaY < 0 ? 1.25 : 0.8, x, y);
  }, { passive: false });

  const DRAG_PX = 4;
  let dragging = false;
  svg.addEventListener("pointerdown", (event) => {
    pointers.set(event.pointerId, [event.clientX, event.clientY]);
    dragging = false;
  });
  svg.addEventListener("pointermove", (event) => {
    const last = pointers.get(event.pointerId);
    if (!last) return;
    if (!dragging && Math.hypot(event.clientX - last[0], event.clientY - last[1]) < DRAG_PX) return;
    if (!dragging) {
      dragging = true;
      svg.setPointerCapture(event.pointerId);
    }
    const per = unitsPerPixel();
    if (pointers.size === 1) {
      box[0] -= (event.clientX - last[0]) * per;
      box[1] -= (event.clientY - last[1]) * per;
      pointers.set(event.pointerId, [event.clientX, event.clientY]);
      show();
      return;
    }
    const other = [...pointers.entries()].find(([id]) => id !== event.pointerId)[1];
    const before = Math.hypot(last[0] - other[0], last[1] - other[1]);
    const after = Math.hypot(event.clientX - other[0], event.clientY - other[1]);
    pointers.set(event.pointerId, [event.clientX, event.clientY]);
    if (before > 0 && after > 0) {
      const [x, y] = toDrawing((event.clientX + other[0]) / 2, (event.clientY + other[1]) / 2);
      zoom(after / before, x, y);
    }
  });
  const release = (event) => pointers.delete(event.pointerId);
  svg.addEventListener("pointerup", release);
  svg.addEventListener("pointercancel", release);

  svg.addEventListener("keydown", (event) => {
    const step = box[2] / 10;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[event.key]) {
      box[0] += moves[event.key][0];
      box[1] += moves[event.key][1];
      show();
    } else if (event.key === "+" || event.key === "=") {
      zoom(1.25);
    } else if (event.key === "-") {
      zoom(0.8);
    } else if (event.key === "0") {
      box = home.slice();
      show();
    } else {
      return;
    }
    event.preventDefault();
  });

  figure.querySelectorAll("[data-zoom]").forEach((button) => {
    button.addEventListener("click", () => {
      if (button.dataset.zoom === "reset") {
        box = home.slice();
        show();
      } else {
        zoom(button.dataset.zoom === "in" ? 1.5 : 1 / 1.5);
      }
    });
  });

  // A mark and every entry naming it, lit up together.
  const entries = [...document.querySelectorAll("[data-mark]")];
  function light(id, on) {
    if (!on && entries.some((e) => e.dataset.mark === id && e.classList.contains("chosen"))) return;
    const mark = document.getElementById(id);
    if (mark) mark.classList.toggle("lit", on);
    entries.filter((e) => e.dataset.mark === id).forEach((e) => e.classList.toggle("lit", on));
  }
  function choose(id) {
    document.querySelectorAll(".lit").forEach((e) => e.classList.remove("lit"));
    light(id, true);
  }
  svg.querySelectorAll("g.mark").forEach((mark) => {
    ["mouseenter", "focus"].forEach((name) => mark.addEventListener(name, () => light(mark.id, true)));
    ["mouseleave", "blur"].forEach((name) => mark.addEventListener(name, () => light(mark.id, false)));
    mark.addEventListener("click", () => {
      entries.forEach((e) => e.classList.remove("chosen"));
      choose(mark.id);
    });
  });
  entries.forEach((entry) => {
    const id = entry.dataset.mark;
    ["mouseenter", "focus"].forEach((name) => entry.addEventListener(name, () => light(id, true)));
    ["mouseleave", "blur"].forEach((name) => entry.addEventListener(name, () => light(id, false)));
    entry.addEventListener("click", () => {
      entries.forEach((e) => e.classList.remove("chosen"));
      choose(id);
      entry.classList.add("chosen");
      const circle = document.querySelector("#" + id + " circle");
      const centre = circle.getBBox();
      const matrix = circle.getCTM();
      const at = new DOMPoint(centre.x + centre.width / 2, centre.y + centre.height / 2)
        .matrixTransform(svg.getScreenCTM().inverse().multiply(matrix));
      const width = Math.max(home[2] / 6, centre.width * 8);
      const height = width * home[3] / home[2];
      box = [at.x - width / 2, at.y - height / 2, width, height];
      show();
      figure.scrollIntoView({ block: "nearest" });
    });
  });
})();
