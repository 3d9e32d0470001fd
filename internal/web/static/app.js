// HOLF's one script. Every page works without it; where it runs it adds:
// - autosave: a form with data-autosave="URL" posts what it holds to URL a
//   moment after the user stops typing, so a long form is never lost;
// - copy: a button with data-copy="#id" copies that field's text.
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
