// Stand-in for the model anywidget hands to a widget's ES module, for testing front-end modules
// in a plain page without Jupyter.  Served next to the module by stand_in.py.
//
// The page gets:
//   window.__sent     every model.send(content) from the module, in order (the contents)
//   window.__saved    every model.save_changes(), as the attributes changed since the last save
//   window.__outbox   both of those in order: {kind: "update", state} / {kind: "custom", content}
//   window.__errors   exceptions from loading or rendering the module, and uncaught errors
//   window.__standIn  {model, views, state(), fromPython: {update(changes), send(content)},
//                      destroy()}
//   document.body.dataset.standIn = "ready" once rendered, or "error".

const errors = (window.__errors = []);
window.__sent = [];
window.__saved = [];
window.__outbox = [];

const describe = (e) => (e && e.stack ? String(e.stack) : String(e));
window.addEventListener("error", (ev) => errors.push(describe(ev.error || ev.message)));
window.addEventListener("unhandledrejection", (ev) => errors.push(describe(ev.reason)));

const wire = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// Backbone-like events and attributes, as ipywidgets' DOMWidgetModel offers them to anywidget.
class StandInModel {
  constructor(state) {
    this._state = wire(state) || {};
    this._listeners = [];
    this._unsaved = {};
    this.widget_manager = {
      async get_model(id) {
        throw new Error(`stand-in model: no widget manager (asked for model ${id})`);
      },
    };
  }

  get(name) {
    return this._state[name];
  }

  // set(name, value) or set({name: value, ...}); fires change:<name> then change, as Backbone.
  set(name, value) {
    const changes = typeof name === "object" && name !== null ? name : { [name]: value };
    this._apply(changes, true);
  }

  save_changes() {
    const update = this._unsaved;
    this._unsaved = {};
    if (Object.keys(update).length === 0) return;
    window.__saved.push(wire(update));
    window.__outbox.push({ kind: "update", state: wire(update) });
  }

  send(content, callbacks, buffers) {
    window.__sent.push(wire(content));
    window.__outbox.push({ kind: "custom", content: wire(content), buffers: (buffers || []).length });
  }

  on(name, callback, context) {
    for (const n of String(name).split(/\s+/)) this._listeners.push({ name: n, callback, context });
  }

  off(name, callback, context) {
    this._listeners = this._listeners.filter(
      (l) =>
        !(
          (name == null || l.name === name) &&
          (callback == null || l.callback === callback) &&
          (context == null || l.context === context)
        ),
    );
  }

  _apply(changes, local) {
    const changed = [];
    for (const [key, value] of Object.entries(changes)) {
      if (same(this._state[key], value)) continue;
      this._state[key] = wire(value);
      if (local) this._unsaved[key] = this._state[key];
      changed.push(key);
    }
    for (const key of changed) this._emit(`change:${key}`, this, this._state[key]);
    if (changed.length) this._emit("change", this);
  }

  _emit(name, ...args) {
    for (const l of this._listeners.filter((l) => l.name === name)) {
      try {
        l.callback.apply(l.context, args);
      } catch (e) {
        errors.push(describe(e));
      }
    }
  }
}

// anywidget's experimental.invoke: a request/response pair over custom messages.
function invoke(model, name, msg, options = {}) {
  const id = `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  const signal = options.signal || AbortSignal.timeout(3000);
  return new Promise((resolve, reject) => {
    const handler = (reply, buffers) => {
      if (!reply || reply.id !== id) return;
      model.off("msg:custom", handler);
      resolve([reply.response, buffers]);
    };
    signal.addEventListener("abort", () => {
      model.off("msg:custom", handler);
      reject(signal.reason);
    });
    model.on("msg:custom", handler);
    model.send({ id, kind: "anywidget-command", name, msg }, undefined, options.buffers || []);
  });
}

async function loadWidget(url) {
  const mod = await import(url);
  if (mod.render) return { render: mod.render }; // the old, deprecated form
  if (!mod.default) throw new Error("the module must export a default function or object");
  return typeof mod.default === "function" ? await mod.default() : mod.default;
}

export async function mount({ moduleUrl, state, views }) {
  const model = new StandInModel(state);
  const controller = new AbortController();
  const experimental = { invoke: (name, msg, options) => invoke(model, name, msg, options) };
  const cleanups = [];
  const elements = [];
  window.__standIn = {
    model,
    views: elements,
    state: () => wire(model._state),
    fromPython: {
      update: (changes) => model._apply(changes, false),
      send: (content, buffers) => model._emit("msg:custom", wire(content), buffers || []),
    },
    destroy: async () => {
      controller.abort();
      for (const f of cleanups) await f();
    },
  };
  try {
    const widget = await loadWidget(moduleUrl);
    const init = await widget.initialize?.({ model, signal: controller.signal, experimental });
    if (typeof init === "function") cleanups.push(init);
    const host = document.getElementById("views");
    for (let i = 0; i < views; i++) {
      const el = document.createElement("div");
      el.className = "stand-in-view";
      el.dataset.view = String(i);
      host.appendChild(el);
      elements.push(el);
      const cleanup = await widget.render?.({ model, el, signal: controller.signal, experimental });
      if (typeof cleanup === "function") cleanups.push(cleanup);
    }
  } catch (e) {
    errors.push(describe(e));
  }
  document.body.dataset.standIn = errors.length ? "error" : "ready";
}
