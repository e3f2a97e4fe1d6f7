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

function hidden(name, value) {
  const field = element("input");
  field.type = "hidden";
  field.name = name;
  field.value = String(value);
  return field;
}

// A machine standing with a fault, or without data, for longer than the shop's alert time,
// with work waiting: the server proposes to schedule without it for some hours.
function showProposal(machine) {
  const tile = tileOf(machine.machine);
  const box = tile && tile.querySelector(".proposal");
  if (!box) return;
  const proposal = machine.proposal;
  if (!proposal) {
    box.replaceChildren();
    return;
  }
  const form = element("form");
  form.method = "post";
  form.action = "/floor/reschedule";
  const waiting = machine.scheduled + " work order" + (machine.scheduled === 1 ? "" : "s");
  const button = element("button", "primary", "Schedule without it for " + proposal.hours + " h");
  button.type = "submit";
  form.append(
    hidden("csrf_token", document.getElementById("floor").dataset.csrf),
    hidden("machine", proposal.machine), hidden("hours", proposal.hours),
    hidden("reason", proposal.reason),
    element("p", "error", proposal.reason + ": " + waiting + " wait for it."), button,
  );
  box.replaceChildren(form);
}

async function resync() {
  const answer = await fetch("/api/floor/machines", { headers: { Accept: "application/json" } });
  if (!answer.ok) return;
  for (const machine of await answer.json()) {
    showState(machine);
    showProposal(machine);
    if (machine.work) showWork(Object.assign({ machine: machine.machine }, machine.work));
  }
}

const PROPOSALS_EVERY_MS = 60_000;
const ALERTS_SHOWN = 10;

// A feature's control chart broke a run rule: the newest first, a few at a time.
function showAlert(alert) {
  const list = document.getElementById("quality-alerts");
  if (!list) return;
  const item = element("li", "level-fault");
  const link = element("a", "", "work order " + alert.work_order_id);
  link.href = "/floor/work/" + alert.work_order_id;
  item.append(element("strong", "", "Out of control: "), alert.message + " (", link, ")");
  list.prepend(item);
  while (list.children.length > ALERTS_SHOWN) list.lastElementChild.remove();
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
  stream.addEventListener("quality", (event) => showAlert(JSON.parse(event.data)));
  window.setInterval(resync, PROPOSALS_EVERY_MS);  // a proposal comes due without an event
}

document.addEventListener("DOMContentLoaded", followFloor);
