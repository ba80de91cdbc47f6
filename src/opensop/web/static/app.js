// Draws every Plotly figure of the page (and of any HTMX swap) from its JSON script element.
(function () {
  function draw(root) {
    if (!window.Plotly) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (holder) {
      var source = document.getElementById(holder.getAttribute("data-chart"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      // The holder takes the figure's height: on a window resize the responsive plot then fits the holder's width and
      // keeps its height (it collapsed to the holder's min-height, legend over the axis, next to the grid below).
      if (figure.layout && figure.layout.height) { holder.style.height = figure.layout.height + "px"; }
      window.Plotly.newPlot(holder, figure.data, figure.layout, { displaylogo: false, responsive: true });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // What used to be inline handlers (the Content-Security-Policy runs no inline script): a select that sends its
  // form, a link that reloads the page, a link that goes back.
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) { event.target.form.submit(); }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-reload], a[data-back]");
    if (!link) { return; }
    event.preventDefault();
    if (link.hasAttribute("data-reload")) { window.location.reload(); } else { window.history.back(); }
  });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
