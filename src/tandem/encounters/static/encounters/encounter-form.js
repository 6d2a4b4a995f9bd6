// The field encounter form: autosave, offline queue, and the C-SSRS branching.
//
// Progressive enhancement: without this file the form posts normally ("Save draft" /
// "Submit encounter") and the server validates everything, branching included.
//
// Autosave: every change is written at once to localStorage (so nothing typed is lost
// if the page goes away) and sent to the server a few seconds later as a draft. The
// local copy holds unsent changes only: it is removed as soon as the server has them,
// and dropped unread after MAX_AGE_MS, so clinical answers do not linger on a shared
// tablet. When the connection is down the change (or the final submission) waits and
// is sent when the browser fires `online`. Each form carries a client token, so the
// server saves a resent form once.
(function () {
  "use strict";

  var SAVE_EVERY_MS = 3000;
  var MAX_AGE_MS = 12 * 60 * 60 * 1000;

  var form = document.querySelector("form[data-tandem-autosave]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var statusEl = document.querySelector(form.getAttribute("data-status"));
  var key = form.getAttribute("data-draft-key");
  var version = 0; // bumped on every change
  var sentVersion = 0; // the last version the server acknowledged
  var pendingIntent = "draft";
  var inflight = false;
  var nativeSubmit = false;

  function say(text) {
    if (statusEl && statusEl.textContent !== text) {
      statusEl.textContent = text;
    }
  }

  // --- local copy ----------------------------------------------------------------
  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null; // private mode or disabled: the server draft still works
    }
  }

  function readLocal() {
    var store = storage();
    if (!store) return null;
    try {
      var entry = JSON.parse(store.getItem(key) || "null");
      if (entry && Date.now() - entry.savedAt > MAX_AGE_MS) {
        store.removeItem(key);
        return null;
      }
      return entry;
    } catch (e) {
      store.removeItem(key);
      return null;
    }
  }

  function pairs() {
    var out = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") {
        out.push([name, value]);
      }
    });
    return out;
  }

  function writeLocal() {
    var store = storage();
    if (!store) return;
    try {
      store.setItem(
        key,
        JSON.stringify({ savedAt: Date.now(), intent: pendingIntent, fields: pairs() })
      );
    } catch (e) {
      /* storage full: the server copy is the fallback */
    }
  }

  function clearLocal() {
    var store = storage();
    if (store) store.removeItem(key);
  }

  function moveLocal(newKey) {
    if (newKey === key) return;
    var store = storage();
    var entry = store && store.getItem(key);
    if (store && entry && version !== sentVersion) store.setItem(newKey, entry);
    if (store) store.removeItem(key);
    key = newKey;
  }

  function restore(entry) {
    var values = {};
    entry.fields.forEach(function (pair) {
      (values[pair[0]] = values[pair[0]] || []).push(pair[1]);
    });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "submit") return;
      var wanted = values[el.name] || [];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = wanted.indexOf(el.value) !== -1;
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) {
          o.selected = wanted.indexOf(o.value) !== -1;
        });
      } else if (wanted.length || el.type !== "hidden") {
        el.value = wanted.length ? wanted[0] : "";
      }
    });
    // A chosen person may come from the match list, which is not on the page yet.
    if (values.person_id && values.person_id[0] && !form.querySelector("input[name=person_id]:checked")) {
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "person_id";
      hidden.value = values.person_id[0];
      form.appendChild(hidden);
    }
    pendingIntent = entry.intent || "draft";
  }

  // --- sending -------------------------------------------------------------------
  function csrf() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  var restored = false; // unsent changes were restored from this tablet at load

  function offlineText() {
    var text =
      pendingIntent === "submit"
        ? "Offline — the submission will be sent when connected"
        : "Offline — will send when connected";
    return restored ? text + " (changes restored from this tablet)" : text;
  }

  function send() {
    if (inflight || (version === sentVersion && pendingIntent !== "submit")) return;
    if (navigator.onLine === false) {
      say(offlineText());
      return;
    }
    var intent = pendingIntent;
    var sending = version;
    var body = new FormData(form);
    body.set("intent", intent);
    inflight = true;
    say(intent === "submit" ? "Submitting…" : "Saving…");
    fetch(form.action || window.location.href, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Tandem-Autosave": "1", "X-CSRFToken": csrf(), Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(
          function (data) {
            return { ok: response.ok, data: data };
          },
          function () {
            throw new Error("not JSON");
          }
        );
      })
      .then(function (result) {
        inflight = false;
        if (!result.ok) {
          var first = (result.data.errors || [])[0];
          if (intent === "submit") {
            // Let the server render the page with every error next to its field.
            pendingIntent = "draft";
            writeLocal();
            submitNatively("submit");
            return;
          }
          say("Not saved: " + (first ? first.message : "the server refused the draft"));
          return;
        }
        acknowledged(result.data, sending, intent);
      })
      .catch(function () {
        inflight = false;
        say(offlineText());
      });
  }

  function acknowledged(data, sending, intent) {
    sentVersion = Math.max(sentVersion, sending);
    restored = false;
    if (data.status === "submitted" && intent === "submit") {
      clearLocal();
      say("Submitted " + data.saved_at);
      window.location.assign(data.detail_url);
      return;
    }
    pendingIntent = "draft";
    if (data.edit_url && form.getAttribute("data-edit-url") !== data.edit_url) {
      // The first save made the encounter: further saves (and a reload) go to it.
      form.setAttribute("data-edit-url", data.edit_url);
      form.action = data.edit_url;
      window.history.replaceState(null, "", data.edit_url);
      moveLocal(key.replace(/:a\d+$/, ":e" + data.encounter_id));
    }
    if (version === sentVersion) {
      clearLocal(); // the server has everything: keep no copy on the tablet
    }
    var problems = (data.errors || []).length;
    say(
      "Saved " + data.saved_at + (problems ? " (" + problems + " field(s) still to fix)" : "")
    );
  }

  function submitNatively(intent) {
    nativeSubmit = true;
    var button = form.querySelector("button[name=intent][value=" + intent + "]");
    if (form.requestSubmit && button) {
      form.requestSubmit(button);
    } else {
      form.submit();
    }
  }

  function changed() {
    version += 1;
    writeLocal();
    if (navigator.onLine === false) say(offlineText());
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function (event) {
    if (nativeSubmit) return;
    event.preventDefault();
    var intent = event.submitter && event.submitter.value === "submit" ? "submit" : "draft";
    if (intent === "submit") pendingIntent = "submit";
    version += 1;
    writeLocal();
    send();
  });
  window.addEventListener("online", send);
  window.addEventListener("offline", function () {
    say(offlineText());
  });
  setInterval(send, SAVE_EVERY_MS);

  // --- C-SSRS branching ----------------------------------------------------------
  // Items 3-5 are asked only after "yes" to item 2; item 6b only after "yes" to 6.
  function branch() {
    form.querySelectorAll("[data-cssrs-branch]").forEach(function (box) {
      var parent = box.getAttribute("data-cssrs-branch");
      var chosen = form.querySelector("input[name=cssrs_" + parent + "]:checked");
      var answer = chosen ? chosen.value : "";
      box.hidden = answer === "no";
      box.querySelectorAll("input").forEach(function (input) {
        input.disabled = answer !== "yes";
      });
      box.classList.toggle("is-waiting", answer === "");
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name && event.target.name.indexOf("cssrs_") === 0) branch();
  });

  // --- start ---------------------------------------------------------------------
  var entry = readLocal();
  if (entry && entry.fields) {
    restore(entry);
    restored = true;
    version = 1; // unsent: send it
    say(
      navigator.onLine === false
        ? offlineText()
        : "Sending changes restored from this tablet…"
    );
  }
  branch();
  send();
})();
