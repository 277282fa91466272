(function () {
  'use strict';
  // The conversation index: rows from the JSON block above, filtered and paged here. Every string is set with
  // textContent (never as markup), and links point only at page names of the form the builder writes.
  var data = JSON.parse(document.getElementById('index-data').textContent);
  var PAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.html$/;
  var PER_PAGE = 100;
  var fields = ['condition', 'label', 'outcome', 'status'];
  var lists = {condition: data.conditions, label: data.labels, outcome: data.outcomes, status: data.statuses};
  var state = {condition: '', label: '', outcome: '', status: '', page: 0};
  var rows = data.rows;  // [page file or null, key, condition, status, outcome, messages, social, label mask]

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  function readHash() {
    var h = window.location.hash.replace(/^#/, '');
    h.split('&').forEach(function (part) {
      var kv = part.split('=');
      if (kv.length !== 2) { return; }
      var k = decodeURIComponent(kv[0]), v = decodeURIComponent(kv[1]);
      if (k === 'page') { state.page = Math.max(0, parseInt(v, 10) - 1 || 0); }
      else if (fields.indexOf(k) >= 0 && lists[k].indexOf(v) >= 0) { state[k] = v; }
    });
  }

  function writeHash() {
    var parts = [];
    fields.forEach(function (k) { if (state[k]) { parts.push(k + '=' + encodeURIComponent(state[k])); } });
    if (state.page) { parts.push('page=' + (state.page + 1)); }
    if (!parts.length && window.location.hash.indexOf('=') < 0) { return; }
    try { window.history.replaceState(null, '', '#' + (parts.length ? parts.join('&') : 'conversations')); }
    catch (e) { /* some browsers refuse history changes on file:// pages; the filter still works */ }
  }

  function matches(r) {
    if (state.condition && data.conditions[r[2]] !== state.condition) { return false; }
    if (state.status && data.statuses[r[3]] !== state.status) { return false; }
    if (state.outcome && data.outcomes[r[4]] !== state.outcome) { return false; }
    if (state.label && !(r[7] & (1 << data.labels.indexOf(state.label)))) { return false; }
    return true;
  }

  function labelsOf(mask) {
    return data.labels.filter(function (name, i) { return mask & (1 << i); }).join(', ');
  }

  function render() {
    var hits = rows.filter(matches);
    var pages = Math.max(1, Math.ceil(hits.length / PER_PAGE));
    state.page = Math.min(state.page, pages - 1);
    var body = document.getElementById('index-rows');
    while (body.firstChild) { body.removeChild(body.firstChild); }
    hits.slice(state.page * PER_PAGE, (state.page + 1) * PER_PAGE).forEach(function (r) {
      var tr = document.createElement('tr');
      var first = document.createElement('td');
      if (r[0] !== null && PAGE_NAME.test(r[0])) {
        var a = el('a', r[1], 'conv-link');
        a.setAttribute('href', data.pages + '/' + r[0]);
        first.appendChild(a);
      } else {
        first.appendChild(el('span', r[1]));
        first.appendChild(el('span', ' (no page: --max-transcripts)', 'muted'));
      }
      tr.appendChild(first);
      tr.appendChild(el('td', data.conditions[r[2]]));
      tr.appendChild(el('td', data.statuses[r[3]]));
      tr.appendChild(el('td', data.outcomes[r[4]]));
      tr.appendChild(el('td', r[5], 'num'));
      tr.appendChild(el('td', r[6], 'num'));
      tr.appendChild(el('td', labelsOf(r[7]), 'labels'));
      body.appendChild(tr);
    });
    document.getElementById('index-count').textContent =
      hits.length + ' of ' + rows.length + ' conversation(s) match';
    document.getElementById('page-of').textContent = 'page ' + (state.page + 1) + ' of ' + pages;
    document.getElementById('prev').disabled = state.page === 0;
    document.getElementById('next').disabled = state.page >= pages - 1;
    writeHash();
  }

  readHash();
  fields.forEach(function (k) {
    var select = document.getElementById('f-' + k);
    lists[k].forEach(function (v) { var o = el('option', v); o.value = v; select.appendChild(o); });
    select.value = state[k];
    select.addEventListener('change', function () { state[k] = select.value; state.page = 0; render(); });
  });
  document.getElementById('prev').addEventListener('click', function () { state.page -= 1; render(); });
  document.getElementById('next').addEventListener('click', function () { state.page += 1; render(); });
  render();
}());
