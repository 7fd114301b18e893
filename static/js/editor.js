/* Image uploads in the article editor (drop or paste into the body).
 *
 * markdownx's own handler inserts the words "Invalid response" into the body
 * whenever the server refuses a file (over 5 MB, a GIF, too many pixels), where
 * they could be saved and published. This handler runs first (capture phase on
 * the document), uploads the file to the same staff-only endpoint, inserts the
 * returned Markdown only on success, and otherwise shows the server's reason
 * next to the editor, inserting nothing.
 */
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function messageFor(editor) {
    var box = editor.parentNode.querySelector(".upload-message");
    if (!box) {
      box = document.createElement("p");
      box.className = "upload-message";
      box.setAttribute("role", "alert");
      editor.parentNode.insertBefore(box, editor);
    }
    return box;
  }

  function show(editor, text, isError) {
    var box = messageFor(editor);
    box.textContent = text;
    box.classList.toggle("errornote", isError);
    box.hidden = !text;
  }

  function insertAtCursor(editor, text) {
    var start = editor.selectionStart, end = editor.selectionEnd;
    var before = editor.value.slice(0, start), after = editor.value.slice(end);
    var padded = (before && !/\n$/.test(before) ? "\n\n" : "") + text + "\n";
    editor.value = before + padded + after;
    editor.selectionStart = editor.selectionEnd = before.length + padded.length;
    // markdownx refreshes its preview on input.
    editor.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function upload(editor, file) {
    var data = new FormData();
    data.append("image", file);
    show(editor, "Uploading " + file.name + "…", false);
    return fetch(editor.getAttribute("data-markdownx-upload-urls-path"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (payload) {
        if (response.ok && payload.image_code) {
          insertAtCursor(editor, payload.image_code);
          show(editor, "“" + file.name + "” was added. Describe what it shows between the " +
            "square brackets: the guide cannot be saved without alt text.", false);
          return;
        }
        var reason = payload.image ? payload.image.join(" ")
          : "The server answered " + response.status + ".";
        show(editor, "“" + file.name + "” was not added. " + reason, true);
      });
    }).catch(function () {
      show(editor, "“" + file.name + "” was not added: the server could not be reached.", true);
    });
  }

  function files(event) {
    var source = event.type === "drop" ? event.dataTransfer : event.clipboardData;
    return source && source.files ? Array.prototype.slice.call(source.files) : [];
  }

  function intercept(event) {
    var editor = event.target;
    if (!editor.classList || !editor.classList.contains("markdownx-editor")) {
      return;
    }
    var dropped = files(event);
    if (!dropped.length) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    dropped.reduce(function (previous, file) {
      return previous.then(function () { return upload(editor, file); });
    }, Promise.resolve());
  }

  document.addEventListener("drop", intercept, true);
  document.addEventListener("paste", intercept, true);
})();
