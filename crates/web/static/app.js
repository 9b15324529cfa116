// kehu pages: small enhancements over forms that work without script.
// - customer forms check each field as it is typed, with the server's own
//   rules and messages (POST /api/v1/customers/check), and warn about
//   existing records with the same mobile, email, credit code or name and
//   company; choosing another country offers that country's regions and
//   shows what its postal codes look like (GET /api/v1/countries/{code});
// - bulk actions show the input their action needs and select whole pages;
// - forms with data-confirm ask before they submit;
// - a running import's page shows its progress live (GET
//   /api/v1/imports/{id} every second) and reloads as its report when done;
// - on the opportunity board, a card dragged to another column is moved
//   there by submitting the card's own move form (a lost stage asks for
//   the reason first). Pointer events, so mouse, pen and touch all work.
'use strict';

(function () {
  function debounce(fn, ms) {
    let timer;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  // The form as the JSON object the API takes. On create, blank fields are
  // left out; on edit they clear the value (null).
  function formObject(form) {
    const update = form.dataset.mode === 'update';
    const out = {};
    const custom = {};
    for (const el of form.elements) {
      if (!el.name || el.name.startsWith('_') || el.type === 'submit' || el.type === 'checkbox' ||
          el.name === 'version' || el.disabled) {
        continue;
      }
      let value = el.multiple ? Array.from(el.selectedOptions, (o) => o.value) : el.value.trim();
      if (value === '' || (Array.isArray(value) && value.length === 0)) {
        if (!update) continue;
        value = null;
      }
      if (el.name === 'tags') {
        value = value === null ? [] : value.split(/[,，、]/).map((s) => s.trim()).filter(Boolean);
      }
      if (el.name.startsWith('custom.')) {
        custom[el.name.slice(7)] = value;
      } else {
        out[el.name] = value;
      }
    }
    if (Object.keys(custom).length) out.custom = custom;
    if (form.dataset.id) out.id = Number(form.dataset.id);
    return out;
  }

  function showErrors(form, errors, touched) {
    const messages = new Map();
    for (const e of errors) {
      if (!messages.has(e.field)) messages.set(e.field, e.message);
    }
    for (const box of form.querySelectorAll('[data-error-for]')) {
      const name = box.dataset.errorFor;
      const input = form.elements.namedItem(name);
      const message = touched.has(name) ? messages.get(name) : undefined;
      box.textContent = message || '';
      if (input && input.setAttribute) {
        if (message) input.setAttribute('aria-invalid', 'true');
        else input.removeAttribute('aria-invalid');
      }
    }
  }

  // Existing records that look like the one being entered, as links. Built
  // with textContent only: names come from users.
  function showDuplicates(box, hits) {
    box.replaceChildren();
    if (!hits.length) return;
    const title = document.createElement('strong');
    title.textContent = box.dataset.title;
    box.append(title);
    const list = document.createElement('ul');
    for (const hit of hits) {
      const item = document.createElement('li');
      if (hit.visible) {
        const link = document.createElement('a');
        link.href = '/customers/' + hit.customer_id;
        link.textContent = hit.name;
        item.append(link);
      } else {
        const span = document.createElement('span');
        span.textContent = box.dataset.hidden;
        item.append(span);
      }
      const reasons = hit.reasons.map((r) => box.dataset['reason' + r.replace(/_(.)/g, (_, c) => c.toUpperCase()).replace(/^./, (c) => c.toUpperCase())] || r);
      let text = ' — ' + reasons.join(box.dataset.joiner || ', ');
      if (hit.owner_name) text += ' · ' + box.dataset.owner + ' ' + hit.owner_name;
      item.append(document.createTextNode(text));
      list.append(item);
    }
    box.append(list);
  }

  function liveCheck(form) {
    const touched = new Set();
    // Errors shown by the server after a submit stay until the field changes.
    for (const box of form.querySelectorAll('[data-error-for]')) {
      if (box.textContent.trim()) touched.add(box.dataset.errorFor);
    }
    const duplicates = document.getElementById('duplicates');
    let sequence = 0;
    const check = debounce(async function () {
      const mine = ++sequence;
      let response;
      try {
        response = await fetch(form.dataset.check, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify(formObject(form)),
        });
      } catch (_) {
        return; // offline: the server checks again on submit
      }
      if (!response.ok || mine !== sequence) return;
      const result = await response.json();
      showErrors(form, result.errors || [], touched);
      if (duplicates) showDuplicates(duplicates, result.duplicates || []);
    }, 250);
    form.addEventListener('input', function (event) {
      if (event.target.name) touched.add(event.target.name);
      check();
    });
    form.addEventListener('change', function (event) {
      if (event.target.name) touched.add(event.target.name);
      if (event.target.name === 'country') countryChosen(form, event.target.value);
      check();
    });
  }

  // The region suggestions and the postal code hint follow the country.
  async function countryChosen(form, code) {
    if (!/^[A-Z]{2}$/.test(code)) return;
    let response;
    try {
      response = await fetch('/api/v1/countries/' + code, {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
      });
    } catch (_) {
      return;
    }
    if (!response.ok) return;
    const country = await response.json();
    const list = document.getElementById('f-province-list');
    if (list) {
      list.replaceChildren(...country.regions.map((name) => {
        const option = document.createElement('option');
        option.value = name;
        return option;
      }));
    }
    const hint = document.getElementById('f-postal-code-hint');
    if (hint) {
      hint.textContent = country.postal_example ? (form.dataset.like || '') + ' ' + country.postal_example : '';
    }
  }

  function bulkForm(form) {
    const action = form.querySelector('#bulk-action');
    const show = function () {
      for (const part of form.querySelectorAll('[data-for-action]')) {
        part.hidden = part.dataset.forAction !== action.value;
      }
    };
    action.addEventListener('change', show);
    show();
    const all = document.getElementById('select-page');
    if (all) {
      all.addEventListener('change', function () {
        for (const box of document.querySelectorAll('input[name=ids]')) box.checked = all.checked;
      });
    }
  }

  // Follows a running import until it stops, then shows its report.
  function importProgress(box) {
    const bar = document.getElementById('progress');
    const done = document.getElementById('rows-done');
    const total = document.getElementById('rows-total');
    async function poll() {
      let batch;
      try {
        const response = await fetch(box.dataset.poll, {
          credentials: 'same-origin',
          headers: { Accept: 'application/json' },
        });
        if (!response.ok) return setTimeout(poll, 3000);
        batch = await response.json();
      } catch (_) {
        return setTimeout(poll, 3000); // offline for a moment: try again
      }
      if (!batch.running) {
        window.location.reload();
        return;
      }
      if (bar && batch.estimated_total) {
        bar.max = batch.estimated_total;
        bar.value = batch.rows_done;
        if (total) total.textContent = batch.estimated_total;
      }
      if (done) done.textContent = batch.rows_done;
      for (const cell of box.querySelectorAll('[data-count]')) {
        const n = batch.counts[cell.dataset.count];
        if (n !== undefined) cell.textContent = n;
      }
      setTimeout(poll, 1000);
    }
    setTimeout(poll, 1000);
  }

  // Drags opportunity cards between the board's columns.
  function board(root) {
    const dialog = document.getElementById('lost-dialog');
    let drag = null;

    function columnAt(x, y) {
      const el = document.elementFromPoint(x, y);
      return el ? el.closest('#board .column') : null;
    }

    function highlight(column) {
      for (const c of root.querySelectorAll('.column.drop')) {
        if (c !== column) c.classList.remove('drop');
      }
      if (column) column.classList.add('drop');
    }

    function submit(card, column, reason) {
      const form = card.querySelector('form.move');
      form.elements.stage_id.value = column.dataset.stage;
      form.elements.lost_reason.value = reason || '';
      form.submit();
    }

    function askReason(card, column) {
      if (!dialog || typeof dialog.showModal !== 'function') {
        const reason = window.prompt(dialog ? dialog.querySelector('label').textContent : '');
        if (reason) submit(card, column, reason);
        return;
      }
      const input = dialog.querySelector('#lost-reason');
      input.value = '';
      dialog.onclose = function () {
        if (dialog.returnValue === 'ok' && input.value.trim() !== '') {
          submit(card, column, input.value.trim());
        }
      };
      dialog.showModal();
      input.focus();
    }

    root.addEventListener('pointerdown', function (event) {
      const card = event.target.closest('.opp-card');
      if (!card || !card.querySelector('form.move') || event.button !== 0 ||
          event.target.closest('a, button, select, input, summary, details')) {
        return;
      }
      drag = {card: card, x: event.clientX, y: event.clientY, moving: false,
        from: card.closest('.column'), pointer: event.pointerId};
    });

    document.addEventListener('pointermove', function (event) {
      if (!drag || event.pointerId !== drag.pointer) return;
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (!drag.moving && Math.abs(dx) + Math.abs(dy) < 6) return;
      drag.moving = true;
      drag.card.classList.add('dragging');
      drag.card.style.transform = 'translate(' + dx + 'px, ' + dy + 'px)';
      highlight(columnAt(event.clientX, event.clientY));
      event.preventDefault();
    });

    document.addEventListener('pointerup', function (event) {
      if (!drag || event.pointerId !== drag.pointer) return;
      const d = drag;
      drag = null;
      d.card.classList.remove('dragging');
      d.card.style.transform = '';
      highlight(null);
      if (!d.moving) return;
      const column = columnAt(event.clientX, event.clientY);
      if (!column || column === d.from) return;
      column.querySelector('.cards').appendChild(d.card);
      if (column.dataset.outcome === 'lost') {
        askReason(d.card, column);
      } else {
        submit(d.card, column, '');
      }
    });

    document.addEventListener('pointercancel', function () {
      if (!drag) return;
      drag.card.classList.remove('dragging');
      drag.card.style.transform = '';
      highlight(null);
      drag = null;
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    const kanban = document.getElementById('board');
    if (kanban) board(kanban);
    const progress = document.querySelector('#import-status[data-poll]');
    if (progress) importProgress(progress);
    for (const form of document.querySelectorAll('form[data-check]')) liveCheck(form);
    // Blank filters are left out of the address, so it stays readable and
    // can be shared.
    const search = document.getElementById('search');
    if (search) {
      search.addEventListener('submit', function () {
        for (const el of search.elements) {
          if (el.name && el.type !== 'checkbox' && el.value === '') el.disabled = true;
        }
      });
      // Coming back to the page from the browser's history: usable again.
      window.addEventListener('pageshow', function () {
        for (const el of search.elements) el.disabled = false;
      });
    }
    const bulk = document.getElementById('bulk');
    if (bulk) bulkForm(bulk);
    for (const form of document.querySelectorAll('form[data-confirm]')) {
      form.addEventListener('submit', function (event) {
        const scope = form.querySelector('input[name=scope]:checked');
        if ((!scope || scope.value === 'filter') && !window.confirm(form.dataset.confirm)) {
          event.preventDefault();
        }
      });
    }
  });
})();
