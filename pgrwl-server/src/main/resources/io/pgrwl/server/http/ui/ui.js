// pgrwl web UI: asks for the bearer token when the server needs one, keeps it in sessionStorage (this tab only),
// adds it to every htmx request, and drives the 5 s refresh. No inline script anywhere: the page's
// Content-Security-Policy allows scripts from this origin only.
(function () {
  'use strict';
  var KEY = 'pgrwl-token';
  var body = document.body;
  var form = document.getElementById('token-form');
  var input = document.getElementById('token');
  var message = document.getElementById('token-message');
  var app = document.getElementById('app');
  var updated = document.getElementById('updated');
  var required = body.dataset.tokenRequired === 'true';
  var timer = null;
  var instance = '0';

  function token() {
    return sessionStorage.getItem(KEY);
  }

  function ask(text) {
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
    }
    app.hidden = true;
    form.hidden = false;
    message.textContent = text || '';
    input.focus();
  }

  function refresh() {
    htmx.trigger(body, 'pgrwl:refresh');
  }

  function start() {
    form.hidden = true;
    app.hidden = false;
    htmx.trigger(body, 'pgrwl:start');
    refresh();
    if (timer === null) {
      timer = setInterval(refresh, 5000);
    }
  }

  document.addEventListener('htmx:configRequest', function (e) {
    var t = token();
    if (t) {
      e.detail.headers['Authorization'] = 'Bearer ' + t;
    }
    // which pgrwl the fragment is about: this one (0) or an entry of ui.receivers
    e.detail.path += (e.detail.path.indexOf('?') < 0 ? '?' : '&') + 'instance=' + instance;
  });

  var nav = document.getElementById('instances');
  if (nav) {
    nav.addEventListener('click', function (e) {
      var button = e.target.closest('button[data-instance]');
      if (!button) {
        return;
      }
      instance = button.dataset.instance;
      nav.querySelectorAll('button').forEach(function (b) {
        b.classList.toggle('active', b === button);
      });
      document.getElementById('backup-result') && (document.getElementById('backup-result').textContent = '');
      htmx.trigger(body, 'pgrwl:start');
      refresh();
    });
  }

  document.addEventListener('htmx:afterRequest', function (e) {
    var status = e.detail.xhr ? e.detail.xhr.status : 0;
    if (status === 401) {
      sessionStorage.removeItem(KEY);
      ask('The server refused that token: enter main.auth_token again.');
    } else if (e.detail.successful) {
      updated.textContent = 'updated ' + new Date().toLocaleTimeString();
      if (e.detail.elt && e.detail.elt.id === 'start-backup') {
        refresh();
      }
    } else {
      updated.textContent = 'cannot reach pgrwl (' + (status || 'no answer') + '), retrying';
    }
  });

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var t = input.value.trim();
    if (!t) {
      return;
    }
    sessionStorage.setItem(KEY, t);
    input.value = '';
    start();
  });

  function begin() {
    if (required && !token()) {
      ask('');
    } else {
      start();
    }
  }

  // htmx processes the page on DOMContentLoaded, and its listener was added first (its script comes first): events
  // triggered before that would reach elements htmx does not listen on yet
  if (document.readyState === 'complete') {
    begin();
  } else {
    document.addEventListener('DOMContentLoaded', begin);
  }
})();
