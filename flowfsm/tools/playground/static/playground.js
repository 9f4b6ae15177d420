// flowfsm playground: turns clicks into POSTs and swaps in the fragments the server answers with.
// Every interaction is carried out server-side through hikari, miru and the flow manager.
"use strict";

const $ = (selector, root = document) => root.querySelector(selector);
let pending = 0;

function toast(text) {
  const box = $("#toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

function apply(answer) {
  for (const [id, html] of Object.entries(answer.fragments || {})) {
    const element = document.getElementById(id);
    if (element) element.innerHTML = html;
  }
  const view = answer.state && answer.state.view;
  document.body.dataset.state = view && view.state ? view.state : "";
  document.body.dataset.steps = view ? String(view.log.length) : "0";
  const selected = $(".flow-item.selected");
  if (selected) select(selected.dataset.flow, selected.dataset.command, false);
  const channel = $("#channel");
  channel.scrollTop = channel.scrollHeight;
  const firstField = $("#modal-root .text-input");
  if (firstField) firstField.focus();
}

// Actions run one after another, in the order they were made (none is dropped).
let queue = Promise.resolve();
function call(path, body) {
  queue = queue.then(() => send(path, body));
  return queue;
}

async function send(path, body) {
  pending += 1;
  document.body.classList.add("busy");
  try {
    const response = await fetch(path, {
      method: body === undefined ? "GET" : "POST",
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) toast(answer.error || `error ${response.status}`);
    else apply(answer);
  } catch (error) {
    toast(`The playground server did not answer: ${error}`);
  } finally {
    pending -= 1;
    if (!pending) document.body.classList.remove("busy");
  }
}

function select(flow, command, tell = true) {
  document.body.dataset.selected = flow;
  for (const item of document.querySelectorAll(".flow-item")) {
    item.classList.toggle("selected", item.dataset.flow === flow);
  }
  const input = $("#composer-input");
  if (tell || input.value.startsWith("/")) input.value = `/${command}`;
  if (tell) call("/api/select", { flow });
}

function chosenValues(menu) {
  return Array.from(menu.querySelectorAll("input:checked")).map((input) => input.value);
}

function sendSelect(select) {
  const values = chosenValues(select);
  const min = Number(select.dataset.min || 1);
  const max = Number(select.dataset.max || 1);
  if (values.length < min || values.length > max) {
    toast(`Choose between ${min} and ${max} option(s).`);
    return;
  }
  call("/api/component", {
    message_id: select.dataset.messageId,
    custom_id: select.dataset.customId,
    component_type: Number(select.dataset.componentType),
    values,
  });
}

document.addEventListener("click", (event) => {
  const target = event.target;
  const button = target.closest("button[data-custom-id]");
  if (button && !button.disabled) {
    const label = (button.querySelector(".label") || button).textContent.trim();
    call("/api/component", {
      message_id: button.dataset.messageId,
      custom_id: button.dataset.customId,
      component_type: 2,
      label,
    });
    return;
  }
  const flow = target.closest(".flow-item");
  if (flow) { select(flow.dataset.flow, flow.dataset.command); return; }
  const user = target.closest(".user-item");
  if (user) { call("/api/user", { user: Number(user.dataset.user) }); return; }
  if (target.closest("#advance")) { call("/api/advance", {}); return; }
  const liveSend = target.closest(".live-send");
  if (liveSend) { call("/api/live/send", { trigger: liveSend.dataset.trigger }); return; }
  const liveKey = target.closest(".live-invalidate");
  if (liveKey) { call("/api/live/invalidate", { key: liveKey.dataset.key }); return; }
  if (target.closest(".live-tick")) { call("/api/live/tick", {}); return; }
  const toggle = target.closest(".select-toggle");
  if (toggle && !toggle.disabled) {
    const menu = toggle.nextElementSibling;
    for (const other of document.querySelectorAll(".select-menu")) if (other !== menu) other.hidden = true;
    menu.hidden = !menu.hidden;
    return;
  }
  const done = target.closest(".select-done");
  if (done) { sendSelect(done.closest(".select")); return; }
  if (target.closest(".modal-cancel, .modal-close")) { call("/api/modal/dismiss", {}); return; }
  const dismiss = target.closest(".dismiss");
  if (dismiss) { dismiss.closest(".message").remove(); return; }
  const spoiler = target.closest(".spoiler, .md-spoiler");
  if (spoiler) { spoiler.classList.add("revealed"); return; }
  if (!target.closest(".select")) {
    for (const menu of document.querySelectorAll(".select-menu")) menu.hidden = true;
  }
});

document.addEventListener("change", (event) => {
  if (event.target.id === "locale-select") { call("/api/locale", { locale: event.target.value }); return; }
  const radio = event.target.closest(".select-menu input[type=radio]");
  if (radio) sendSelect(radio.closest(".select"));
});

document.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  if (form.id === "composer") {
    const input = $("#composer-input");
    const text = input.value.trim();
    if (!text) return;
    call("/api/send", { text }).then(() => { if (!text.startsWith("/")) input.value = ""; });
  } else if (form.classList.contains("modal")) {
    const fields = {};
    for (const input of form.querySelectorAll("input[data-custom-id], textarea[data-custom-id]")) fields[input.dataset.customId] = input.value;
    call("/api/modal", { fields });
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && $("#modal-root .modal")) call("/api/modal/dismiss", {});
});
