/* Help Center enhancements.  Every page works without this file: search
 * is a GET form, votes and cases are POST forms.  With it:
 *   - the search box suggests articles as you type (a combobox: arrow
 *     keys move, Enter opens, Escape closes);
 *   - clicks on results are logged (POST /api/events);
 *   - votes go to POST /api/feedback without leaving the page;
 *   - the case form lists articles matching the subject, opens them
 *     inline, and "This solved my problem" ends the visit there;
 *   - staff pages: "Copy link" copies a section's deep link, and the
 *     reindex form runs through the JSON API with live progress.
 * Plain DOM code, no framework, no build step.  Text from the server is
 * inserted with textContent; the only HTML inserted is the article body
 * the server rendered safely and the <mark> tags of snippets. */
(function () {
  'use strict';

  document.documentElement.classList.add('js');
  var body = document.body;
  var LOCALE = body.getAttribute('data-locale') || '';
  var STRINGS = {};
  try {
    STRINGS = JSON.parse(body.getAttribute('data-i18n') || '{}');
  } catch (e) {
    STRINGS = {};
  }

  /* A UI string with {name} placeholders filled in. */
  function t(key, vars) {
    var s = Object.prototype.hasOwnProperty.call(STRINGS, key) ? STRINGS[key] : key;
    return s.replace(/\{(\w+)\}/g, function (m, name) {
      return vars && Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : m;
    });
  }

  /* el('a', {href: '/x', className: 'y'}, ['text', node]) */
  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === 'className') node.className = props[k];
      else if (k === 'text') node.textContent = props[k];
      else node.setAttribute(k, props[k]);
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  /* Snippets are escaped text with <mark> around matched words: keep
   * the marks, decode the text, never parse anything else as HTML. */
  var decoder = document.createElement('textarea');
  function decode(s) {
    decoder.innerHTML = s;
    return decoder.value;
  }
  function snippetNode(html, className) {
    var p = el('p', { className: className || 'snippet' });
    var parts = String(html || '').split(/(<mark>|<\/mark>)/);
    var inMark = false;
    parts.forEach(function (part) {
      if (part === '<mark>') { inMark = true; return; }
      if (part === '</mark>') { inMark = false; return; }
      if (!part) return;
      var text = document.createTextNode(decode(part));
      if (inMark) p.appendChild(el('mark', {}, [text]));
      else p.appendChild(text);
    });
    return p;
  }

  function sendJSON(url, data, keepalive) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      keepalive: !!keepalive,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(data)
    });
  }

  /* Events are best effort: a lost click must never break navigation. */
  function logEvent(data) {
    if (LOCALE && !data.locale) data.locale = LOCALE;
    try {
      return sendJSON('/api/events', data, true).catch(function () {});
    } catch (e) {
      return Promise.resolve();
    }
  }

  function articleApiPath(prefix, id) {
    return prefix + String(id).split('/').map(encodeURIComponent).join('/');
  }

  function suggest(q, limit, signal) {
    var url = '/api/suggest?q=' + encodeURIComponent(q) + '&limit=' + limit +
      (LOCALE ? '&locale=' + encodeURIComponent(LOCALE) : '');
    return fetch(url, { credentials: 'same-origin', signal: signal }).then(function (r) {
      if (!r.ok) throw new Error('suggest ' + r.status);
      return r.json();
    });
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  /* The check-mark icon of the thank-you panels (as on the case page). */
  function successIcon() {
    var NS = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('class', 'icon success-icon');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    var circle = document.createElementNS(NS, 'circle');
    circle.setAttribute('cx', '12');
    circle.setAttribute('cy', '12');
    circle.setAttribute('r', '10');
    var path = document.createElementNS(NS, 'path');
    path.setAttribute('d', 'M7.5 12.5l3 3 6-6.5');
    svg.appendChild(circle);
    svg.appendChild(path);
    return svg;
  }

  function liveRegion(parent) {
    var r = el('p', { className: 'visually-hidden', role: 'status' });
    parent.appendChild(r);
    return r;
  }

  /* ---- The search box: an ARIA 1.2 combobox with a listbox popup ---- */
  function initCombobox(input) {
    var list = document.getElementById(input.getAttribute('data-suggest'));
    if (!list) return;
    var status = liveRegion(input.form || input.parentNode);
    var hits = [];
    var active = -1;
    var pending = null;
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', list.id);

    function open() {
      if (!hits.length && !list.children.length) return;
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    }
    function close() {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      setActive(-1);
    }
    function setActive(i) {
      var items = list.querySelectorAll('[role=option]');
      active = i;
      for (var k = 0; k < items.length; k++) {
        items[k].setAttribute('aria-selected', k === i ? 'true' : 'false');
      }
      if (i >= 0 && items[i]) {
        input.setAttribute('aria-activedescendant', items[i].id);
        items[i].scrollIntoView({ block: 'nearest' });
      } else {
        input.removeAttribute('aria-activedescendant');
      }
    }
    function go(i) {
      var h = hits[i];
      if (!h) return;
      logEvent({
        type: 'click', query: input.value.trim(), article: h.id,
        section: h.section ? h.section.anchor : null, rank: i + 1
      });
      window.location.href = h.url;
    }
    function render(data) {
      hits = (data && data.hits) || [];
      list.textContent = '';
      active = -1;
      if (!hits.length) {
        list.appendChild(el('li', { className: 's-empty', role: 'presentation', text: t('no_suggestions') }));
      }
      hits.forEach(function (h, i) {
        var li = el('li', { id: list.id + '-' + i, role: 'option', 'aria-selected': 'false', lang: h.locale || '' }, [
          el('span', { className: 's-title', text: h.title }),
          h.section ? el('span', { className: 's-section', text: h.section.title }) : null
        ]);
        li.addEventListener('mousedown', function (e) { e.preventDefault(); });
        li.addEventListener('click', function () { go(i); });
        li.addEventListener('mousemove', function () { if (active !== i) setActive(i); });
        list.appendChild(li);
      });
      status.textContent = hits.length ? t('suggestions_count', { n: hits.length }) : t('no_suggestions');
      if (document.activeElement === input) open();
    }
    var update = debounce(function () {
      var q = input.value.trim();
      if (pending) pending.abort();
      if (q.length < 2) {
        hits = [];
        list.textContent = '';
        close();
        return;
      }
      pending = typeof AbortController === 'function' ? new AbortController() : null;
      suggest(q, 6, pending ? pending.signal : undefined).then(render).catch(function () {});
    }, 150);

    input.addEventListener('input', update);
    input.addEventListener('keydown', function (e) {
      var n = hits.length;
      if (e.key === 'ArrowDown' || e.key === 'Down') {
        if (!n) return;
        e.preventDefault();
        if (list.hidden) { open(); setActive(0); } else setActive((active + 1) % n);
      } else if (e.key === 'ArrowUp' || e.key === 'Up') {
        if (!n) return;
        e.preventDefault();
        if (list.hidden) { open(); setActive(n - 1); } else setActive(active <= 0 ? n - 1 : active - 1);
      } else if (e.key === 'Enter') {
        if (!list.hidden && active >= 0) {
          e.preventDefault();
          go(active);
        }
      } else if (e.key === 'Escape' || e.key === 'Esc') {
        if (!list.hidden) {
          e.preventDefault();
          close();
        }
      } else if (e.key === 'Tab') {
        close();
      }
    });
    input.addEventListener('blur', function () { setTimeout(close, 120); });
    input.addEventListener('focus', function () { if (hits.length) open(); });
  }

  /* ---- Result clicks ---- */
  function initResultClicks(ol) {
    var query = ol.getAttribute('data-query') || '';
    ol.addEventListener('click', function (e) {
      var a = e.target.closest ? e.target.closest('a') : null;
      if (!a) return;
      var li = a.closest('.hit');
      if (!li) return;
      logEvent({
        type: 'click', query: query, article: li.getAttribute('data-article'),
        section: li.getAttribute('data-section') || null,
        rank: parseInt(li.getAttribute('data-rank'), 10) || null
      });
    });
  }

  /* ---- Was this helpful? ---- */
  function initFeedback(section) {
    var forms = section.querySelectorAll('form[data-vote]');
    function thanks(helpful) {
      section.textContent = '';
      section.classList.add('done');
      var h = el('h2', { className: 'fb-thanks', tabindex: '-1', text: t(helpful ? 'fb_thanks' : 'fb_thanks_no') });
      section.appendChild(h);
      if (!helpful) {
        var contact = document.querySelector('.nav-contact');
        section.appendChild(el('p', {}, [el('a', { href: contact ? contact.getAttribute('href') : '/contact', text: t('fb_contact') })]));
      }
      h.focus();
    }
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener('submit', function (e) {
        e.preventDefault();
        var helpful = form.getAttribute('data-vote') === 'yes';
        var reason = form.querySelector('input[name=reason]:checked');
        var comment = form.querySelector('textarea[name=comment]');
        var anchor = decodeURIComponent((window.location.hash || '').slice(1));
        var data = {
          article: section.getAttribute('data-article'),
          locale: section.getAttribute('data-locale'),
          helpful: helpful
        };
        if (anchor && anchor !== 'feedback' && document.getElementById(anchor)) data.section = anchor;
        if (!helpful && reason) data.reason = reason.value;
        if (!helpful && comment && comment.value.trim()) data.comment = comment.value.trim();
        var button = form.querySelector('button[type=submit]');
        if (button) button.disabled = true;
        sendJSON('/api/feedback', data).then(function (r) {
          if (!r.ok) throw new Error('feedback ' + r.status);
          thanks(helpful);
        }).catch(function () {
          if (button) button.disabled = false;
          var old = form.querySelector('.field-error');
          if (!old) form.appendChild(el('p', { className: 'field-error', role: 'alert', text: t('fb_error') }));
        });
      });
    });
  }

  /* ---- Case form: matching articles beside the subject ---- */
  function initDeflection(form) {
    var subject = form.querySelector('#subject');
    var list = document.getElementById('deflect-list');
    var aside = document.getElementById('deflect');
    var status = document.getElementById('deflect-status');
    if (!subject || !list || !aside) return;
    var pending = null;
    var lastQuery = null;

    function solved(hit) {
      var page = form.closest('.contact-page') || form.parentNode;
      var home = document.querySelector('.brand');
      logEvent({ type: 'deflect', source: 'case_form', article: hit.id, section: hit.section ? hit.section.anchor : null });
      var h = el('h1', { tabindex: '-1', text: t('solved_title') });
      var panel = el('section', { className: 'message-page deflected' }, [
        successIcon(), h,
        el('p', { className: 'lead', text: t('solved_text') }),
        el('p', {}, [el('a', { className: 'button primary', href: home ? home.getAttribute('href') : '/', text: t('back_home') })])
      ]);
      page.textContent = '';
      page.className = 'wrap narrow';
      page.appendChild(panel);
      h.focus();
    }

    function openReader(item, hit, button, reader) {
      var expanded = button.getAttribute('aria-expanded') === 'true';
      if (expanded) {
        button.setAttribute('aria-expanded', 'false');
        reader.hidden = true;
        return;
      }
      button.setAttribute('aria-expanded', 'true');
      reader.hidden = false;
      if (reader.getAttribute('data-loaded')) return;
      reader.textContent = '';
      reader.appendChild(el('p', { className: 'hint', text: t('loading') }));
      var url = articleApiPath('/api/html/articles/', hit.id) + '?locale=' + encodeURIComponent(hit.locale || LOCALE);
      fetch(url, { credentials: 'same-origin' }).then(function (r) {
        if (!r.ok) throw new Error('article ' + r.status);
        return r.json();
      }).then(function (a) {
        reader.textContent = '';
        var content = el('div', { className: 'content', lang: a.locale || '' });
        /* Rendered by the server from Markdown in safe mode: no raw
         * HTML, no script URLs; the page's CSP forbids inline script. */
        content.innerHTML = a.html;
        var solvedButton = el('button', { type: 'button', className: 'button primary solved', text: t('solved') });
        solvedButton.addEventListener('click', function () { solved(hit); });
        reader.appendChild(content);
        reader.appendChild(el('div', { className: 'reader-actions' }, [
          solvedButton,
          el('a', { href: hit.url, text: t('open_full') })
        ]));
        reader.setAttribute('data-loaded', '1');
        var anchor = hit.section && hit.section.anchor;
        var target = anchor ? content.querySelector('[id="' + anchor.replace(/["\\]/g, '') + '"]') : null;
        if (target) content.scrollTop = target.offsetTop - content.offsetTop;
      }).catch(function () {
        reader.textContent = '';
        reader.appendChild(el('p', { className: 'field-error', role: 'alert', text: t('error') }));
      });
    }

    function render(data) {
      var hits = (data && data.hits) || [];
      list.textContent = '';
      hits.forEach(function (hit, i) {
        var readerId = 'reader-' + i;
        var button = el('button', { type: 'button', className: 'deflect-title', 'aria-expanded': 'false', 'aria-controls': readerId, text: hit.title });
        var reader = el('div', { className: 'reader', id: readerId });
        reader.hidden = true;
        var item = el('li', { className: 'deflect-item', lang: hit.locale || '' }, [
          button,
          hit.section ? el('span', { className: 'deflect-section', text: hit.section.title }) : null,
          snippetNode(hit.snippet),
          reader
        ]);
        button.addEventListener('click', function () { openReader(item, hit, button, reader); });
        list.appendChild(item);
      });
      aside.classList.toggle('has-items', hits.length > 0);
      if (status) status.textContent = hits.length ? t('deflect_count', { n: hits.length }) : t('deflect_none');
    }

    var update = debounce(function () {
      var q = subject.value.trim();
      if (q === lastQuery) return;
      lastQuery = q;
      if (pending) pending.abort();
      if (q.length < 3) {
        render({ hits: [] });
        if (status) status.textContent = '';
        return;
      }
      pending = typeof AbortController === 'function' ? new AbortController() : null;
      suggest(q, 5, pending ? pending.signal : undefined).then(render).catch(function () {});
    }, 250);
    subject.addEventListener('input', update);
    if (subject.value.trim()) update();
  }

  /* ---- Language menu: close on Escape or a click elsewhere ---- */
  function initLangMenu(details) {
    document.addEventListener('click', function (e) {
      if (details.open && !details.contains(e.target)) details.open = false;
    });
    details.addEventListener('keydown', function (e) {
      if ((e.key === 'Escape' || e.key === 'Esc') && details.open) {
        details.open = false;
        details.querySelector('summary').focus();
      }
    });
  }

  /* ---- Agent console: copy a section's deep link ---- */
  function copyText(text) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = el('textarea', { className: 'visually-hidden', readonly: '' });
      area.value = text;
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) resolve(); else reject(new Error('copy'));
    });
  }

  function initCopyLinks(buttons) {
    if (!buttons.length) return;
    var status = liveRegion(document.body);
    Array.prototype.forEach.call(buttons, function (button) {
      var timer = null;
      button.hidden = false;
      button.addEventListener('click', function () {
        var url = new URL(button.getAttribute('data-copy'), window.location.href).href;
        copyText(url).then(function () {
          button.textContent = t('copied');
          button.classList.add('copied');
          status.textContent = t('copied_status');
          clearTimeout(timer);
          timer = setTimeout(function () {
            button.textContent = t('copy_link');
            button.classList.remove('copied');
          }, 2500);
        }, function () {
          status.textContent = t('copy_failed');
          var link = button.parentNode.querySelector('.deep-link');
          var sel = window.getSelection && window.getSelection();
          if (link && sel) {
            var range = document.createRange();
            range.selectNodeContents(link);
            sel.removeAllRanges();
            sel.addRange(range);
          }
        });
      });
    });
  }

  /* ---- Author dashboard: reindex with live progress ---- */
  function initReindex(form) {
    var card = form.closest('.reindex') || form.parentNode;
    var live = card.querySelector('.reindex-live');
    var button = form.querySelector('button[type=submit]');
    var csrf = form.querySelector('input[name=csrf]');
    if (!live || !button || !csrf) return;
    var progress = live.querySelector('progress');
    var status = live.querySelector('.job-status');
    var details = live.querySelector('.job-details');

    function diagnostics(list, key, cls) {
      if (!list || !list.length) return;
      details.appendChild(el('h3', { className: 'diag-h', text: t(key, { n: list.length }) }));
      var ul = el('ul', { className: 'diag-list ' + cls });
      list.forEach(function (d) {
        var where = d.file ? d.file + (d.line > 0 ? ':' + d.line : '') : '';
        /* kb-index's own words: English whatever the page's language. */
        ul.appendChild(el('li', {}, [where ? el('code', { text: where }) : null, where ? ' ' : null,
          el('span', { lang: 'en', text: String(d.message || '') })]));
      });
      details.appendChild(ul);
    }
    /* The replay gate's report: each search it made worse or better. */
    function replay(r) {
      details.appendChild(el('p', { className: 'replay-summary', text: t('replay_summary', r) }));
      var ul = el('ul', { className: 'diag-list replay-changes' });
      (r.changes || []).forEach(function (c) {
        var rank = function (n) { return n === null || n === undefined ? t('replay_none') : n; };
        ul.appendChild(el('li', { className: c.worse ? 'replay-worse' : 'replay-better',
          text: t('replay_change', { query: c.query, article: c.article, before: rank(c.before), after: rank(c.after) }) }));
      });
      if (ul.childNodes.length) details.appendChild(ul);
    }
    function show(job) {
      var p = job.progress || {};
      progress.hidden = false;
      card.classList.remove('state-running', 'state-done', 'state-failed');
      card.classList.add('state-' + job.state);
      if (job.state === 'running') {
        if (p.total > 0) {
          progress.max = p.total;
          progress.value = p.done;
          status.textContent = t('reindex_progress', { done: p.done, total: p.total });
        } else {
          progress.removeAttribute('value');
          status.textContent = t('reindex_starting');
        }
        return;
      }
      progress.max = 1;
      progress.value = 1;
      status.textContent = t(job.state === 'done' ? 'reindex_done' : 'reindex_failed');
      details.textContent = '';
      if (job.state !== 'done' && job.reason === 'file_errors') {
        details.appendChild(el('p', { className: 'job-message', text: t(job.failed_files === 1 ? 'reindex_failed_files_one' : 'reindex_failed_files', { n: job.failed_files }) }));
      } else if (job.state !== 'done' && job.reason === 'not_run') {
        details.appendChild(el('p', { className: 'job-message', text: t('reindex_not_run') }));
      } else if (job.state !== 'done' && job.message) {
        details.appendChild(el('p', { className: 'job-message', lang: 'en', text: job.message }));
      }
      if (job.summary) details.appendChild(el('p', { className: 'job-summary', text: t('reindex_summary', job.summary) }));
      diagnostics(job.errors, 'reindex_errors', 'diag-errors');
      diagnostics(job.warnings, 'reindex_warnings', 'diag-warnings');
      if (job.replay) replay(job.replay);
      button.disabled = false;
    }
    function fail() {
      button.disabled = false;
      card.classList.remove('state-running');
      status.textContent = t('reindex_error');
    }
    function poll(url) {
      fetch(url, { credentials: 'same-origin' }).then(function (r) {
        if (!r.ok) throw new Error('reindex ' + r.status);
        return r.json();
      }).then(function (job) {
        show(job);
        if (job.state === 'running') setTimeout(function () { poll(url); }, 400);
      }).catch(fail);
    }
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (button.disabled) return;
      button.disabled = true;
      details.textContent = '';
      var full = form.querySelector('input[name=full]');
      var gate = form.querySelector('input[name=gate]');
      fetch('/api/admin/reindex', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf.value },
        body: JSON.stringify({ full: !!(full && full.checked), gate: !!(gate && gate.checked) })
      }).then(function (r) {
        return r.json().then(function (body) { return { status: r.status, body: body }; });
      }).then(function (res) {
        /* 409: one is running already; follow that one. */
        if ((res.status === 202 || res.status === 409) && res.body.status_url) {
          show({ state: 'running', progress: {} });
          poll(res.body.status_url);
        } else {
          fail();
        }
      }).catch(fail);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('input[data-suggest]'), initCombobox);
  Array.prototype.forEach.call(document.querySelectorAll('ol.hits[data-query]'), initResultClicks);
  Array.prototype.forEach.call(document.querySelectorAll('section.feedback[data-article]'), initFeedback);
  Array.prototype.forEach.call(document.querySelectorAll('.lang-menu'), initLangMenu);
  var caseForm = document.getElementById('case-form');
  if (caseForm) initDeflection(caseForm);
  var summary = document.querySelector('.error-summary');
  if (summary) summary.focus();
  initCopyLinks(document.querySelectorAll('button.copy-link[data-copy]'));
  var reindexForm = document.querySelector('form[data-reindex]');
  if (reindexForm) initReindex(reindexForm);
})();
