/**
 * The gallery's only script (served from /gallery/static, so CSP can stay script-src 'self'):
 * live cards from the SSE stream on the project page, the compare page's overlay, and the
 * code panel's Copy buttons.
 */
export const GALLERY_JS = `
'use strict';
(function () {
  function live(grid) {
    if (!window.EventSource) return;
    var source = new EventSource(grid.getAttribute('data-live'));
    var cardBase = grid.getAttribute('data-card');
    function payload(e) { try { return JSON.parse(e.data); } catch (err) { return null; } }
    function onReady(e) {
      var p = payload(e);
      var id = p && p.data && p.data.id;
      if (!id || grid.querySelector('[data-id="' + CSS.escape(id) + '"]')) return;
      fetch(cardBase + encodeURIComponent(id) + location.search, { credentials: 'same-origin' })
        .then(function (r) { return r.status === 200 ? r.text() : ''; })
        .then(function (markup) {
          if (!markup || grid.querySelector('[data-id="' + CSS.escape(id) + '"]')) return;
          var t = document.createElement('template');
          t.innerHTML = markup.trim();
          // Latest per plot: the new version replaces its plot's card instead of adding one.
          var fresh = t.content.firstElementChild;
          var plot = fresh && fresh.getAttribute('data-plot');
          if (plot !== null && grid.getAttribute('data-view') === 'latest') {
            grid.querySelectorAll('[data-plot]').forEach(function (el) {
              if (el.getAttribute('data-plot') === plot) el.remove();
            });
          }
          grid.insertBefore(t.content, grid.firstChild);
          var empty = document.querySelector('.empty');
          if (empty) empty.remove();
        })
        .catch(function () {});
    }
    function onDeleted(e) {
      var p = payload(e);
      var id = p && p.data && p.data.id;
      var el = id && grid.querySelector('[data-id="' + CSS.escape(id) + '"]');
      if (el) el.remove();
    }
    source.addEventListener('snapshot.ready', onReady);
    source.addEventListener('snapshot.deleted', onDeleted);
    source.addEventListener('message', function (e) {
      var p = payload(e);
      if (p && p.type === 'snapshot.ready') onReady(e);
      if (p && p.type === 'snapshot.deleted') onDeleted(e);
    });
    source.addEventListener('open', function () {
      document.documentElement.setAttribute('data-live', 'on');
    });
  }

  function overlay(panel) {
    var imgs = panel.querySelectorAll('.overlay img');
    var box = panel.querySelector('.overlay');
    var note = document.getElementById('overlay-note');
    function loaded(img) {
      return img.complete && img.naturalWidth ? Promise.resolve() : new Promise(function (ok) {
        img.addEventListener('load', ok); img.addEventListener('error', ok);
      });
    }
    Promise.all([loaded(imgs[0]), loaded(imgs[1])]).then(function () {
      var same = imgs[0].naturalWidth > 0 && imgs[0].naturalWidth === imgs[1].naturalWidth &&
        imgs[0].naturalHeight === imgs[1].naturalHeight;
      if (same) panel.hidden = false; else if (note) note.hidden = false;
    });
    var fade = document.getElementById('fade');
    function apply() {
      var mode = panel.querySelector('input[name=mode]:checked').value;
      box.setAttribute('data-mode', mode);
      imgs[1].style.opacity = mode === 'fade' ? String(fade.value / 100) : '';
    }
    panel.querySelectorAll('input[name=mode]').forEach(function (r) { r.addEventListener('change', apply); });
    fade.addEventListener('input', function () {
      panel.querySelector('input[value=fade]').checked = true; apply();
    });
  }

  // The code panel's Copy buttons: the code's text (not its line numbers, which are CSS
  // generated content) to the clipboard; where the Clipboard API is missing or refused, the
  // older copy command on a selection, and failing that the code is left selected to copy.
  function copyButtons() {
    document.querySelectorAll('.code-block .copy').forEach(function (button) {
      var code = button.parentNode.querySelector('code');
      if (!code) return;
      button.hidden = false;
      var timer;
      function say(label, ok) {
        button.textContent = label;
        button.classList.toggle('done', ok);
        clearTimeout(timer);
        timer = setTimeout(function () { button.textContent = 'Copy'; button.classList.remove('done'); }, 2000);
      }
      function select() {
        var range = document.createRange();
        range.selectNodeContents(code);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        return sel;
      }
      function fallback(text) {
        var area = document.createElement('textarea');
        area.value = text;
        area.setAttribute('readonly', '');
        area.className = 'copy-buffer';
        document.body.appendChild(area);
        area.select();
        var ok = false;
        try { ok = document.execCommand('copy'); } catch (err) { ok = false; }
        area.remove();
        if (ok) { say('Copied', true); return; }
        select();
        say(/Mac/.test(navigator.platform) ? 'Press ⌘C' : 'Press Ctrl+C', false);
      }
      button.addEventListener('click', function () {
        var text = code.textContent;
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(function () { say('Copied', true); }, function () { fallback(text); });
        } else {
          fallback(text);
        }
      });
    });
  }

  // A plot frame (gallery/plot-frame.ts) reports the height it drew; a message resizes only
  // the frame whose window sent it, within bounds, and nothing else is read from it.
  window.addEventListener('message', function (e) {
    var h = e.data && e.data.snapshotplotFrameHeight;
    if (typeof h !== 'number' || !isFinite(h)) return;
    var frames = document.querySelectorAll('iframe.plot-frame');
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === e.source) {
        frames[i].style.height = Math.max(120, Math.min(1600, Math.ceil(h))) + 'px';
      }
    }
  });

  document.addEventListener('DOMContentLoaded', function () {
    var grid = document.querySelector('[data-live]');
    if (grid) live(grid);
    var panel = document.getElementById('overlay');
    if (panel) overlay(panel);
    copyButtons();
    // At phone width the filters start folded (one line) unless a filter is set.
    var box = document.querySelector('details.filter-box[data-fold]');
    if (box && window.matchMedia('(max-width: 800px)').matches) box.open = false;
  });
})();
`;
