/* kner report: filter the page by person. Inlined into the page; no network. */
(function () {
  "use strict";
  var select = document.getElementById("person-filter");
  var status = document.getElementById("filter-status");
  var body = document.body;

  function has(list, id) {
    return (" " + (list || "") + " ").indexOf(" " + id + " ") !== -1;
  }

  function apply(id) {
    body.classList.toggle("filtered", !!id);
    var shown = 0;
    var docs = document.querySelectorAll("article.doc");
    for (var i = 0; i < docs.length; i++) {
      var keep = !id || has(docs[i].getAttribute("data-persons"), id);
      docs[i].hidden = !keep;
      if (keep) shown++;
    }
    var panels = document.querySelectorAll("section.person");
    for (var j = 0; j < panels.length; j++) {
      panels[j].hidden = !!id && panels[j].id !== id;
    }
    var marked = document.querySelectorAll("[data-person]");
    for (var k = 0; k < marked.length; k++) {
      marked[k].classList.toggle("sel", !!id && marked[k].getAttribute("data-person") === id);
    }
    var names = document.querySelectorAll(".overview td:first-child > a[data-filter]");
    for (var r = 0; r < names.length; r++) {
      names[r].parentNode.parentNode.classList.toggle("sel", !!id && names[r].getAttribute("data-filter") === id);
    }
    status.textContent = id ? shown + " / " + docs.length + " Artikel" : "";
  }

  function choose(id) {
    select.value = id;
    apply(id);
  }

  select.addEventListener("change", function () { apply(select.value); });
  document.getElementById("filter-reset").addEventListener("click", function () { choose(""); });
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-filter]") : null;
    if (target) choose(target.getAttribute("data-filter"));
  });
  // A link to a quote in an article hidden by the filter clears the filter first.
  window.addEventListener("hashchange", function () {
    var spot = document.getElementById(location.hash.slice(1));
    var article = spot && spot.closest ? spot.closest("article.doc") : null;
    if (article && article.hidden) {
      choose("");
      spot.scrollIntoView();
    }
  });
  // report.html?person=p3 opens the page filtered (links can be shared).
  var wanted = /[?&]person=(p\d+)/.exec(location.search);
  if (wanted && document.getElementById(wanted[1])) select.value = wanted[1];
  apply(select.value);
  document.documentElement.setAttribute("data-report-js", "ready");
})();
