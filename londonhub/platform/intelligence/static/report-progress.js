// Progressive enhancement of an annual report's page: ask for its progress every two seconds
// and update the progress bar and the status line (a live region), then show the downloads.
(function () {
  var box = document.getElementById("report-progress");
  if (!box || box.getAttribute("data-running") !== "yes" || !window.fetch) { return; }
  var bar = document.getElementById("progress");
  var percent = document.getElementById("progress-percent");
  var step = document.getElementById("progress-step");
  function check() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin" })
      .then(function (answer) { return answer.json(); })
      .then(function (state) {
        bar.value = state.progress;
        bar.textContent = state.progress + "%";
        percent.textContent = state.progress + "%";
        step.innerHTML = "";
        var strong = document.createElement("strong");
        strong.textContent = state.label;
        step.appendChild(strong);
        step.appendChild(document.createTextNode(": " + state.step));
        if (state.status === "done" || state.status === "failed") {
          window.location.reload();
          return;
        }
        window.setTimeout(check, 2000);
      })
      .catch(function () { window.setTimeout(check, 5000); });
  }
  window.setTimeout(check, 1000);
})();
