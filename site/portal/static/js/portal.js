/* Progressive enhancements of the partner shell; every page works without them. */
(function () {
  "use strict";

  // The language switcher submits on change (a button does it without scripts).
  document.querySelectorAll("[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // An error summary takes focus so screen readers and keyboards start there.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) return;
        event.preventDefault();
        target.scrollIntoView({block: "center"});
        (target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea") || target).focus();
      });
    });
  }

  // Length limits: a live counter instead of a maxlength that cuts text.
  document.querySelectorAll("[data-maxlength]").forEach(function (input) {
    var maximum = parseInt(input.dataset.maxlength, 10);
    var counter = document.createElement("p");
    counter.className = "char-counter";
    counter.id = input.id + "-counter";
    counter.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", counter);
    input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + counter.id).trim());
    var template = document.body.dataset.counterText || "{count} / {max}";
    var overTemplate = document.body.dataset.counterOverText || "{count} / {max}";
    function update() {
      var count = input.value.length;
      var over = count > maximum;
      // Quiet until the limit is near: a counter under every empty field is noise.
      counter.hidden = count < maximum * 0.8;
      counter.textContent = counter.hidden ? "" : (over ? overTemplate : template).replace("{count}", count).replace("{max}", maximum).replace("{over}", count - maximum);
      counter.classList.toggle("over", over);
    }
    input.addEventListener("input", update);
    update();
  });

  // Long selects (countries, currencies) get a filter box above them.
  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    var filter = document.createElement("input");
    filter.type = "search";
    filter.className = "select-filter";
    filter.id = select.id + "-filter";
    filter.setAttribute("aria-label", select.dataset.searchable);
    filter.setAttribute("aria-controls", select.id);
    filter.placeholder = select.dataset.searchable;
    filter.autocomplete = "off";
    select.insertAdjacentElement("beforebegin", filter);
    var options = Array.prototype.slice.call(select.options);
    function fold(text) { return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
    filter.addEventListener("input", function () {
      var wanted = fold(filter.value.trim()), first = null;
      options.forEach(function (option) {
        var match = !wanted || !option.value || fold(option.text).indexOf(wanted) !== -1 || option.value.toLowerCase() === wanted;
        option.hidden = !match;
        if (match && option.value && !first) first = option;
      });
      if (wanted && first) select.value = first.value;
    });
  });
})();
