(function () {
  "use strict";
  // Filter, sort and deep links for the report, without a framework. The
  // filter state lives in the fragment (#filter=...&readiness=...) so a
  // filtered view can be shared as a link and reopened.
  var box = document.getElementById("filter");
  var sel = document.getElementById("readiness");
  var out = document.getElementById("filter-status");
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  var tables = [];
  each(document.querySelectorAll("table.filterable"), function (t) {
    var body = t.tBodies[0];
    if (!body) { return; }
    var rows = [];
    each(body.rows, function (tr) {
      rows.push({ tr: tr, text: tr.textContent.toLowerCase(), readiness: tr.getAttribute("data-readiness") });
    });
    var card = t.closest ? t.closest("details.rule") : null;
    tables.push({
      table: t, rows: rows, caption: t.querySelector("caption.tcount"), card: card,
      cardText: card && card.querySelector("summary") ? card.querySelector("summary").textContent.toLowerCase() : ""
    });
  });
  var cards = document.querySelectorAll("details.rule");
  var total = tables.reduce(function (n, t) { return n + t.rows.length; }, 0);

  function matches(text, terms) {
    for (var i = 0; i < terms.length; i++) {
      if (text.indexOf(terms[i]) === -1) { return false; }
    }
    return true;
  }

  function apply() {
    var q = box ? box.value.trim().toLowerCase() : "";
    var terms = q ? q.split(/\s+/) : [];
    var rd = sel ? sel.value : "";
    var shown = 0;
    tables.forEach(function (t) {
      // A rule card whose own id or title matches shows all its rows.
      var whole = terms.length > 0 && t.card && matches(t.cardText, terms);
      var n = 0;
      t.rows.forEach(function (r) {
        var ok = (!rd || !r.readiness || r.readiness === rd) && (whole || matches(r.text, terms));
        r.tr.hidden = !ok;
        if (ok) { n++; }
      });
      shown += n;
      if (t.caption) {
        t.caption.textContent = (terms.length || rd) ? n + " of " + t.rows.length + " rows match" : "";
      }
      t.visible = n;
    });
    // With a text filter, rule cards without a match step aside and the
    // ones with a match open.
    each(cards, function (c) {
      if (!terms.length) { c.classList.remove("nomatch"); return; }
      var t = null;
      for (var i = 0; i < tables.length; i++) { if (tables[i].card === c) { t = tables[i]; } }
      var own = matches(c.querySelector("summary").textContent.toLowerCase(), terms);
      var hit = own || (t !== null && t.visible > 0);
      c.classList.toggle("nomatch", !hit);
      if (hit && t !== null && t.visible > 0) { c.open = true; }
    });
    if (out) {
      out.textContent = (terms.length || rd) ? shown + " of " + total + " rows match" : "";
    }
  }

  function stateFromHash() {
    var h = location.hash.replace(/^#/, "");
    if (!/^(filter|readiness)=/.test(h)) { return false; }
    each(h.split("&"), function (kv) {
      var i = kv.indexOf("=");
      if (i < 0) { return; }
      var k = kv.slice(0, i);
      var v = "";
      try { v = decodeURIComponent(kv.slice(i + 1).replace(/\+/g, " ")); } catch (e) { v = ""; }
      if (k === "filter" && box) { box.value = v; }
      if (k === "readiness" && sel) { sel.value = v; }
    });
    return true;
  }

  function hashFromState() {
    var parts = [];
    if (box && box.value.trim()) { parts.push("filter=" + encodeURIComponent(box.value.trim())); }
    if (sel && sel.value) { parts.push("readiness=" + encodeURIComponent(sel.value)); }
    var url = location.pathname + location.search + (parts.length ? "#" + parts.join("&") : "");
    try { history.replaceState(null, "", url); } catch (e) { /* some viewers forbid it */ }
  }

  // A deep link to a row the filter hides, or to a closed rule card, shows it.
  function reveal() {
    var id = location.hash.replace(/^#/, "");
    if (!id || /^(filter|readiness)=/.test(id)) { return; }
    var el = document.getElementById(id);
    if (!el) { return; }
    if (el.hidden || (el.closest && el.closest(".nomatch"))) {
      if (box) { box.value = ""; }
      if (sel) { sel.value = ""; }
      apply();
    }
    var d = el.closest ? el.closest("details") : null;
    if (d) { d.open = true; }
    if (el.tagName === "DETAILS") { el.open = true; }
    el.scrollIntoView();
  }

  var timer = null;
  if (box) {
    box.addEventListener("input", function () {
      apply();
      clearTimeout(timer);
      timer = setTimeout(hashFromState, 300);
    });
  }
  if (sel) {
    sel.addEventListener("change", function () { apply(); hashFromState(); });
  }
  window.addEventListener("hashchange", function () {
    if (stateFromHash()) { apply(); } else { reveal(); }
  });

  // Sorting: click a column header; numbers sort numerically (data-v holds
  // the sort key where the text is not it, e.g. readiness rank).
  each(document.querySelectorAll("table.sortable th[data-sort] button"), function (b) {
    b.addEventListener("click", function () {
      var th = b.parentNode;
      var table = th.closest("table");
      var body = table.tBodies[0];
      var col = Array.prototype.indexOf.call(th.parentNode.children, th);
      var num = th.getAttribute("data-sort") === "num";
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      each(th.parentNode.children, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      var key = function (tr) {
        var td = tr.children[col];
        if (!td) { return ""; }
        var v = td.hasAttribute("data-v") ? td.getAttribute("data-v") : td.textContent;
        return num ? parseFloat(v) || 0 : v.toLowerCase();
      };
      var rows = Array.prototype.slice.call(body.rows).map(function (tr, i) { return [key(tr), i, tr]; });
      rows.sort(function (x, y) {
        if (x[0] < y[0]) { return -dir; }
        if (x[0] > y[0]) { return dir; }
        return x[1] - y[1];
      });
      var frag = document.createDocumentFragment();
      rows.forEach(function (r) { frag.appendChild(r[2]); });
      body.appendChild(frag);
    });
  });

  // Printing (often to PDF for a steering committee) shows every rule card.
  window.addEventListener("beforeprint", function () {
    each(cards, function (c) { c.open = true; });
  });

  if (stateFromHash()) { apply(); } else { reveal(); }
  document.documentElement.setAttribute("data-ready", "1");
})();
