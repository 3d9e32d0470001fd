// HOLF's one script. Every page works without it; where it runs it adds:
// - autosave: a form with data-autosave="URL" posts what it holds to URL a
//   moment after the user stops typing, so a long form is never lost;
// - copy: a button with data-copy="#id" copies that field's text;
// - conditional questions follow the answer they depend on.
(function () {
  "use strict";
  function fmt(d) {
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var status = form.querySelector(".autosave-status");
    var timer = null, last = new URLSearchParams(new FormData(form)).toString();
    function save() {
      var body = new URLSearchParams(new FormData(form)).toString();
      if (body === last) return;
      fetch(form.getAttribute("data-autosave"), {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: body
      }).then(function (r) {
        if (r.ok) {
          last = body;
          if (status) status.textContent = (document.documentElement.lang === "en" ? "Draft saved " : "Utkast lagret ") + fmt(new Date());
        }
      }).catch(function () {});
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(save, 1500);
    });
    form.addEventListener("change", function () {
      clearTimeout(timer);
      timer = setTimeout(save, 1500);
    });
  });
  // conditional questions: a question shown only after certain answers to
  // an earlier one follows that answer as it is given (without the script
  // the server hides it by the saved answers, and clears a skipped answer).
  document.querySelectorAll("[data-show-if]").forEach(function (box) {
    var name = box.getAttribute("data-show-if");
    var values = box.getAttribute("data-show-values").split(" ");
    var inputs = document.querySelectorAll('input[name="' + name + '"]');
    if (!inputs.length) return;
    function update() {
      var chosen = null;
      inputs.forEach(function (i) { if (i.checked) chosen = i.value; });
      box.hidden = chosen !== null && values.indexOf(chosen) < 0;
    }
    inputs.forEach(function (i) { i.addEventListener("change", update); });
    update();
  });
  document.querySelectorAll("button[data-copy]").forEach(function (btn) {
    var field = document.querySelector(btn.getAttribute("data-copy"));
    var status = btn.parentNode.querySelector(".copy-status");
    if (!field) return;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      function done() {
        if (status) status.textContent = document.documentElement.lang === "en" ? "Copied" : "Kopiert";
      }
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          if (document.execCommand("copy")) done();
        });
      } else if (document.execCommand("copy")) {
        done();
      }
    });
  });
})();
