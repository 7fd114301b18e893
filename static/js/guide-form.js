/* The guide change form: readability figures as the body is typed, and a
 * warning before leaving the page with unsaved changes.
 *
 * Readability: the body is posted (debounced, like markdownx's preview) to
 * the staff-only endpoint named by data-readability-url, which answers SMOG
 * and Flesch for the whole guide and for each "##" section; the answer is
 * written with textContent only.
 *
 * Topics' autocomplete search box gets the name of its field.
 *
 * Unsaved changes: the form's fields are compared with what they held when
 * the page loaded (a form shown again with refusals is unsaved from the
 * start); leaving with a difference asks first (beforeunload).
 * Submitting the guide's own form (Save, Save and submit) does not ask.
 */
(function () {
  "use strict";

  var DELAY_MS = 600;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function element(tag, text, attributes) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    return node;
  }

  // A grade above the site's target says so in words, not by colour alone.
  function smog(grade, target) {
    return grade > target ? grade + " (above the target of " + target + ")" : String(grade);
  }

  function figuresTable(data) {
    var table = element("table", null, { "class": "readability-sections" });
    table.appendChild(element("caption", "By section (split at each ## heading)"));
    var head = element("tr");
    ["Section", "SMOG grade", "Flesch reading ease", "Flesch–Kincaid grade", "Words"]
      .forEach(function (label) { head.appendChild(element("th", label, { scope: "col" })); });
    table.appendChild(element("thead")).appendChild(head);
    var body = table.appendChild(element("tbody"));
    data.sections.forEach(function (section) {
      var row = element("tr");
      row.appendChild(element("th", section.heading || "(before the first heading)", { scope: "row" }));
      [smog(section.smog_grade, data.smog_target), section.flesch_reading_ease,
       section.flesch_kincaid_grade, section.words]
        .forEach(function (value) { row.appendChild(element("td", value)); });
      body.appendChild(row);
    });
    return table;
  }

  function showFigures(box, data) {
    var overall = box.querySelector(".readability-overall");
    var sections = box.querySelector(".readability-sections-box");
    sections.textContent = "";
    if (data.error) {
      overall.textContent = data.error;
      overall.classList.add("errornote");
      return;
    }
    overall.classList.remove("errornote");
    var whole = data.overall;
    overall.textContent = "Whole guide: SMOG grade " + smog(whole.smog_grade, data.smog_target) +
      ", Flesch reading ease " + whole.flesch_reading_ease + ", Flesch–Kincaid grade " +
      whole.flesch_kincaid_grade + " (" + whole.words + " words).";
    if (data.sections.length) {
      sections.appendChild(figuresTable(data));
    } else {
      sections.appendChild(element("p", "No sections yet: start one with ## and a heading."));
    }
  }

  // On wide screens the preview column scrolls on its own beside a long
  // text: keep the part being typed in view, in proportion to the caret.
  function followCaret(editor, side) {
    if (side.scrollHeight <= side.clientHeight) { return; }
    var fraction = editor.value.length ? editor.selectionStart / editor.value.length : 0;
    side.scrollTop = fraction * (side.scrollHeight - side.clientHeight);
  }

  function liveReadability(editor, box) {
    var url = box.getAttribute("data-readability-url");
    var timer = null, sent = 0;
    function update() {
      var number = ++sent;
      var data = new FormData();
      data.append("content", editor.value);
      fetch(url, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() }
      }).then(function (response) {
        return response.json();
      }).then(function (payload) {
        // An older answer arriving late must not replace a newer one.
        if (number === sent) { showFigures(box, payload); }
      }).catch(function () { /* Guidance only: the last figures stay. */ });
    }
    editor.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, DELAY_MS);
    });
    update();
  }

  function snapshot(form) {
    var parts = [];
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.type === "submit" || field.name === "csrfmiddlewaretoken") { return; }
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) { return; }
      if (field.tagName === "SELECT") {
        Array.prototype.forEach.call(field.selectedOptions, function (option) {
          parts.push(field.name + "=" + option.value);
        });
        return;
      }
      parts.push(field.name + "=" + field.value);
    });
    return parts.join("\u0000");
  }

  function warnBeforeLeaving(form) {
    // A form shown again with its refusals holds text that was not saved.
    var initial = document.querySelector(".error-summary") ? null : snapshot(form);
    var submitting = false;
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (submitting || snapshot(form) === initial) { return; }
      event.preventDefault();
      // Older browsers show the dialog only when returnValue is set.
      event.returnValue = "";
    });
  }

  // Django's autocomplete (select2, for topics) adds a search box with no
  // label, an axe "label" violation; it is named after its field's label,
  // also when select2 draws it again after a choice.
  function labelSearchBoxes(root) {
    Array.prototype.forEach.call(root.querySelectorAll(".select2-search__field:not([aria-label])"),
      function (search) {
        var container = search.closest(".select2-container");
        var select = container && container.previousElementSibling;
        var label = select && select.id && document.querySelector("label[for='" + select.id + "']");
        var name = label ? label.textContent.replace(/:\s*$/, "").trim() : "";
        search.setAttribute("aria-label", name ? "Search " + name.toLowerCase() : "Search");
      });
  }

  function watchSearchBoxes(form) {
    labelSearchBoxes(form);
    new MutationObserver(function () { labelSearchBoxes(form); })
      .observe(form, { childList: true, subtree: true });
  }

  function start() {
    var form = document.getElementById("article_form");
    if (form) {
      warnBeforeLeaving(form);
      watchSearchBoxes(form);
    }
    Array.prototype.forEach.call(document.querySelectorAll(".guide-editor"), function (editorBox) {
      var editor = editorBox.querySelector(".markdownx-editor");
      var box = editorBox.querySelector(".editor-readability");
      var side = editorBox.querySelector(".guide-editor-side");
      if (editor && box && box.getAttribute("data-readability-url")) { liveReadability(editor, box); }
      if (editor && side) {
        // markdownx announces each new preview on its .markdownx element.
        editorBox.addEventListener("markdownx.update", function () { followCaret(editor, side); });
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
