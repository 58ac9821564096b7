// The side panel both HTML pages share: the state after a step (the fields it changed
// highlighted) and where each thread is. Defines WeftPanel for the page's own script.
var WeftPanel = (function () {
  "use strict";
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  // The page's data: plain JSON, or base64-encoded UTF-8 JSON (the quiz).
  function data() {
    var d = JSON.parse(document.getElementById("weft-data").textContent);
    if (d.base64 === undefined) return d;
    var bin = atob(d.base64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return JSON.parse(new TextDecoder("utf-8").decode(bytes));
  }
  // The state's [field, value, ghost] rows; the fields `step` changed are highlighted, and
  // a field it removed is shown too, as "-", so every change is visible.
  function state(fields, step) {
    var changed = {};
    if (step) step.changes.forEach(function (c) { changed[c.field] = c; });
    var body = document.querySelector("#state tbody");
    body.textContent = "";
    var rows = fields.slice();
    if (step) step.changes.forEach(function (c) {
      if (!rows.some(function (fv) { return fv[0] === c.field; })) rows.push([c.field, "-", c.kind === "ghost"]);
    });
    rows.forEach(function (fv) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-field", fv[0]);
      var cls = [];
      if (fv[2]) cls.push("ghost");
      if (changed[fv[0]]) cls.push("changed");
      if (cls.length) tr.setAttribute("class", cls.join(" "));
      tr.appendChild(el("td", "f", fv[2] ? fv[0] + " (ghost)" : fv[0]));
      var v = el("td", "v", fv[1] === "" ? "-" : fv[1]);
      if (changed[fv[0]]) v.appendChild(el("span", "was", "was " + (changed[fv[0]].before || "-")));
      tr.appendChild(v);
      body.appendChild(tr);
    });
  }
  // Where each thread is: the step it takes next (or that it waits, or has finished), and
  // its locals.
  function threads(list) {
    var body = document.querySelector("#threads tbody");
    body.textContent = "";
    list.forEach(function (th) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-thread", th.name);
      tr.appendChild(el("td", "f", th.name));
      var td = el("td", "v");
      if (th.next === null) td.appendChild(el("span", "done", "finished"));
      else {
        if (th.blocked) td.appendChild(el("span", "waits", "waits: "));
        td.appendChild(el("code", "", th.next));
      }
      if (th.locals.length) {
        td.appendChild(el("div", "locals", "locals: " + th.locals.map(function (l) {
          return l.name + " = " + l.value;
        }).join(", ")));
      }
      tr.appendChild(td);
      body.appendChild(tr);
    });
  }
  return { el: el, data: data, state: state, threads: threads };
})();
