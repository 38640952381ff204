// Live grade preview on the item forms. The server renders the same summary and decides on
// saving; this only redraws it as the seller answers, from the rules the server embedded in
// data-grading (market/listings/assessment.py: assess, client_rules). Keep the two alike.
(function () {
  "use strict";
  var box = document.getElementById("grade-summary");
  if (!box || !window.JSON || !box.closest) { return; }
  var g = JSON.parse(box.getAttribute("data-grading"));
  var form = box.closest("form");
  var body = box.querySelector("[data-grade-body]");
  if (!form || !body) { return; }
  var button = box.querySelector("[data-preview-button]");
  if (button) { button.hidden = true; }

  function worse(a, b) { return g.order.indexOf(a) > g.order.indexOf(b); }
  function fill(text, vars) {
    return text.replace(/%\((\w+)\)[sd]/g, function (_m, k) { return String(vars[k]); })
      .replace(/%%/g, "%");
  }
  function value(name) {
    var el = form.elements[name];
    return el && el.value !== undefined && el.value !== null ? String(el.value) : "";
  }
  function whole(raw, upper) {
    var text = raw.replace(/[０-９]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    }).trim().replace(/[%％]+$/, "").trim();
    if (!/^[0-9]+$/.test(text)) { return null; }
    var n = parseInt(text, 10);
    return n <= upper ? n : null;
  }
  function matches(rule, v) {
    if (v === null || v === undefined || v === "") { return false; }
    if (rule.test === "is") { return v === rule.value; }
    if (rule.test === "described") {
      var said = String(v).trim().replace(/[。.！!]+$/, "").replace(/^[。.！!]+/, "").toLowerCase();
      return g.nothing.indexOf(said) < 0;
    }
    var n = typeof v === "number" ? v : whole(String(v), 10000);
    if (n === null) { return false; }
    if (rule.test === "below") { return n < rule.value; }
    if (rule.test === "at_least") { return n >= rule.value; }
    return n > rule.value;
  }

  function assess() {
    var answers = {}, chosen = {}, order = [], missing = 0, facts = {};
    g.questions.forEach(function (q) {
      var v = value("q_" + q.key), o = q.options[v];
      answers[q.key] = v;
      if (!o) { missing += 1; return; }
      chosen[q.key] = {
        text: fill(g.text.pair, { label: q.label, answer: o.label }), cap: o.cap, note: ""
      };
      order.push(q.key);
    });
    Object.keys(g.kinds).forEach(function (key) {
      var kind = g.kinds[key], raw = value("d_" + key);
      var v = kind === "percent" ? whole(raw, 100) : kind === "number" ? whole(raw, 200) : raw;
      if (v !== null && v !== "") { facts[key] = v; }
    });
    var worst = {}, keys = [];
    g.rules.forEach(function (rule) {
      if (rule.unless.some(function (u) { return answers[u[0]] === u[1]; })) { return; }
      if (!matches(rule, facts[rule.key])) { return; }
      if (!worst[rule.key]) { keys.push(rule.key); worst[rule.key] = rule; }
      else if (worse(rule.cap, worst[rule.key].cap)) { worst[rule.key] = rule; }
    });
    var found = keys.map(function (key) {
      var rule = worst[key];
      var fact = { text: fill(rule.says, { value: facts[key] }), cap: rule.cap, note: "" };
      var q = rule.agrees ? chosen[rule.agrees[0]] : null;
      if (q && rule.agrees[1].indexOf(answers[rule.agrees[0]]) < 0) {
        if (worse(q.cap, fact.cap)) { q.note = fill(g.text.disagree, { other: fact.text }); }
        else { fact.note = fill(g.text.disagree, { other: q.text }); }
      }
      return fact;
    });
    var all = order.map(function (k) { return chosen[k]; }).concat(found);
    var grade = "N";
    all.forEach(function (r) { if (worse(r.cap, grade)) { grade = r.cap; } });
    var conflicts = [];
    if (answers[g.sealed[0]] === g.sealed[1] && chosen[g.sealed[0]]) {
      all.forEach(function (r) {
        if (worse(r.cap, "A+")) {
          conflicts.push(fill(g.text.conflict, { first: chosen[g.sealed[0]].text, second: r.text }));
        }
      });
    }
    return {
      grade: grade, missing: missing, conflicts: conflicts,
      reasons: all.filter(function (r) { return r.cap !== "N" && r.cap === grade; }),
      blocked: g.lock && value("d_" + g.lock) === "no" ? g.text.lock : ""
    };
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function draw() {
    var a = assess();
    body.textContent = "";
    if (a.missing) {
      body.appendChild(el("p", "hint", g.text.missing));
    } else {
      var line = el("p", "grade-line");
      line.appendChild(el("strong", "grade grade-" + a.grade.replace("+", "p"),
        fill(g.text.grade, { grade: a.grade })));
      line.appendChild(document.createTextNode(" " + g.labels[a.grade]));
      body.appendChild(line);
      if (a.reasons.length) {
        body.appendChild(el("p", "why", g.text.why));
        var list = el("ul", "reasons");
        a.reasons.forEach(function (r) {
          var item = el("li", "", r.text);
          if (r.note) { item.appendChild(el("span", "note", r.note)); }
          list.appendChild(item);
        });
        body.appendChild(list);
      } else {
        body.appendChild(el("p", "why", g.text.all_new));
      }
    }
    a.conflicts.forEach(function (c) { body.appendChild(el("p", "error", c)); });
    if (a.blocked) { body.appendChild(el("p", "error", a.blocked)); }
  }

  form.addEventListener("change", draw);
  form.addEventListener("input", draw);
  draw();
}());
