// The floor page: each machine's tile follows the shop's live stream (server-sent events):
// `state` for a machine's state, alarms and parts; `work` for a work order moved; `resync`
// when updates were lost, answered by reading every machine again. Text only, never HTML.
"use strict";

const WORDS = { running: "Running", idle: "Idle", stopped: "Stopped", unavailable: "No data" };
const STATES = Object.keys(WORDS);

function tileOf(machine) {
  for (const tile of document.querySelectorAll("#floor .tile")) {
    if (tile.dataset.machine === machine) return tile;
  }
  return null;
}

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

function since(moment) {
  if (!moment) return "";
  const at = new Date(moment);
  const day = at.toLocaleDateString(undefined, { weekday: "short" });
  return "since " + day + " " + at.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

function showState(live) {
  const tile = tileOf(live.machine);
  if (!tile) return;
  for (const state of STATES) tile.classList.toggle("state-" + state, state === live.state);
  tile.querySelector(".word").textContent = WORDS[live.state] || live.state;
  tile.querySelector(".since").textContent = since(live.since);
  tile.querySelector(".made").textContent = String(live.parts_made);
  const list = tile.querySelector(".alarms");
  list.replaceChildren(...live.alarms.map((alarm) => {
    const item = element("li", "level-" + String(alarm.level || "unknown").toLowerCase());
    item.append(element("strong", "", alarm.code || alarm.item || "alarm"));
    if (alarm.message) item.append(" " + alarm.message);
    return item;
  }));
}

function showWork(work) {
  const tile = tileOf(work.machine);
  if (!tile) return;
  const box = tile.querySelector(".work");
  const underWay = work.status === "running" || work.status === "paused";
  if (!underWay) {
    if (tile.dataset.work === String(work.id)) {
      delete tile.dataset.work;
      box.replaceChildren(element("span", "none", "No work order under way"));
    }
    return;
  }
  tile.dataset.work = String(work.id);
  const made = work.good + work.scrap;
  const bar = element("progress");
  bar.max = Math.max(work.quantity, 1);
  bar.value = made;
  box.replaceChildren(
    element("span", "name", work.name), " ", element("span", "status", work.status), " ",
    bar, " ", element("span", "count", made + " / " + work.quantity),
  );
}

async function resync() {
  const answer = await fetch("/api/floor/machines", { headers: { Accept: "application/json" } });
  if (!answer.ok) return;
  for (const machine of await answer.json()) {
    showState(machine);
    if (machine.work) showWork(Object.assign({ machine: machine.machine }, machine.work));
  }
}

function followFloor() {
  const floor = document.getElementById("floor");
  const status = document.getElementById("floor-live");
  if (!floor || !status || typeof EventSource === "undefined") return;
  const stream = new EventSource("/api/floor/stream");
  stream.addEventListener("open", () => { status.textContent = "Live"; });
  stream.addEventListener("error", () => { status.textContent = "Reconnecting…"; });
  stream.addEventListener("state", (event) => showState(JSON.parse(event.data)));
  stream.addEventListener("work", (event) => showWork(JSON.parse(event.data)));
  stream.addEventListener("resync", () => { resync(); });
}

document.addEventListener("DOMContentLoaded", followFloor);
