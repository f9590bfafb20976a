// DaTamer's companion site: the little the pages do in the browser. Everything works without
// it (forms post, links lead to the event's page); this adds the row menu (right-click, the
// menu key or Shift+F10, the ⋯ button) and the live preview of a rule. Times come written in
// the reader's zone by the server (src/web/times.ts). Served from the app: the
// Content-Security-Policy runs no inline script.
'use strict';

(function () {
  // The row menu: one menu, moved to the row it is opened for.
  function rowMenu() {
    var menu = document.getElementById('row-menu');
    var table = document.getElementById('events');
    if (!menu || !table) return;
    var ids = menu.querySelector('input[name=ids]');
    var title = menu.querySelector('.menu-title');
    var openedFrom = null;

    function open(row, x, y) {
      ids.value = row.getAttribute('data-event');
      title.textContent = 'Event #' + ids.value;
      menu.hidden = false;
      var width = menu.offsetWidth;
      var left = Math.max(4, Math.min(x, window.scrollX + document.documentElement.clientWidth - width - 4));
      menu.style.left = left + 'px';
      menu.style.top = y + 'px';
      openedFrom = row;
      table.querySelectorAll('tr.selected').forEach(function (r) { r.classList.remove('selected'); });
      row.classList.add('selected');
      var first = menu.querySelector('[role=menuitem]');
      if (first) first.focus();
    }
    function close(refocus) {
      if (menu.hidden) return;
      menu.hidden = true;
      if (openedFrom) openedFrom.classList.remove('selected');
      if (refocus && openedFrom) openedFrom.focus();
      openedFrom = null;
    }
    function openAtRow(row) {
      var box = row.getBoundingClientRect();
      open(row, window.scrollX + box.left + 40, window.scrollY + box.bottom);
    }

    table.addEventListener('contextmenu', function (e) {
      var row = e.target.closest('tr[data-event]');
      if (!row) return;
      e.preventDefault();
      open(row, e.pageX, e.pageY);
    });
    table.addEventListener('click', function (e) {
      var button = e.target.closest('[data-menu-for]');
      if (!button) return;
      e.preventDefault();
      openAtRow(button.closest('tr[data-event]'));
    });
    table.addEventListener('keydown', function (e) {
      var row = e.target.closest('tr[data-event]');
      if (!row || e.target !== row) return;
      if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
        e.preventDefault();
        openAtRow(row);
      } else if (e.key === 'Enter') {
        row.querySelector('td.subject a').click();
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        var next = e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
        if (next) { e.preventDefault(); next.focus(); }
      } else if (e.key === ' ') {
        e.preventDefault();
        var box = row.querySelector('input[type=checkbox]');
        box.checked = !box.checked;
      }
    });
    menu.addEventListener('keydown', function (e) {
      var items = Array.prototype.slice.call(menu.querySelectorAll('[role=menuitem], select'));
      var at = items.indexOf(document.activeElement);
      if (e.key === 'Escape') { e.preventDefault(); close(true); }
      else if (e.key === 'ArrowDown' && document.activeElement.tagName !== 'SELECT') { e.preventDefault(); items[(at + 1) % items.length].focus(); }
      else if (e.key === 'ArrowUp' && document.activeElement.tagName !== 'SELECT') { e.preventDefault(); items[(at - 1 + items.length) % items.length].focus(); }
    });
    document.addEventListener('click', function (e) {
      if (!menu.hidden && !menu.contains(e.target) && !e.target.closest('[data-menu-for]')) close(false);
    });
  }

  // A rule's preview, again whenever the form changes (after a pause in typing).
  function livePreview() {
    var form = document.getElementById('rule-form');
    var target = document.getElementById('preview');
    if (!form || !target) return;
    var timer = null;
    var asked = 0;
    function preview() {
      var body = new URLSearchParams(new FormData(form));
      body.set('intent', 'preview');
      var ticket = ++asked;
      fetch(form.action, { method: 'POST', body: body, credentials: 'same-origin', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
        .then(function (res) { return res.text(); })
        .then(function (html) {
          if (ticket !== asked) return; // an older answer arriving late
          var page = new DOMParser().parseFromString(html, 'text/html');
          var fresh = page.getElementById('preview');
          var problem = page.getElementById('rule-problem');
          target.replaceChildren.apply(target, fresh ? Array.prototype.slice.call(fresh.childNodes) : problem ? [problem] : []);
        })
        .catch(function () { /* the Preview button still works */ });
    }
    form.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(preview, 500);
    });
  }

  // A form that deletes or replaces something asks first (without the script it simply posts).
  function confirmations() {
    document.addEventListener('submit', function (e) {
      var form = e.target.closest && e.target.closest('form[data-confirm]');
      if (form && !window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    // Each on its own: one failing leaves the others working.
    [rowMenu, livePreview, confirmations].forEach(function (start) {
      try { start(); } catch (e) { if (window.console) console.error(e); }
    });
  });
})();
