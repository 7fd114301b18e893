/* The article editor's keyboard, and image uploads (drop or paste into the body).
 *
 * Keyboard (WCAG 2.1.2, no keyboard trap): markdownx's own keydown listener
 * turns Tab into a tab character, so focus could not leave the body. This
 * listener runs first (capture phase on the document) and stops Tab from
 * reaching it, so Tab and Shift+Tab move focus as in any field. Indentation
 * stays available behind the shortcut stated in the field's help text:
 * Ctrl+] (Cmd+] on a Mac) indents the current or selected lines by four
 * spaces, as callouts and sub-lists need, and Ctrl+[ takes four away.
 *
 * Uploads:
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

  function isEditor(element) {
    return element && element.classList && element.classList.contains("markdownx-editor");
  }

  var INDENT = "    ";

  function reindent(editor, deeper) {
    var value = editor.value, start = editor.selectionStart, end = editor.selectionEnd;
    var lineStart = value.lastIndexOf("\n", start - 1) + 1;
    // A selection ending at the start of a line leaves that line alone.
    var blockEnd = end > start && value.charAt(end - 1) === "\n" ? end - 1 : end;
    var lineEnd = value.indexOf("\n", blockEnd);
    if (lineEnd === -1) { lineEnd = value.length; }
    var lines = value.slice(lineStart, lineEnd).split("\n");
    var firstShift = 0, total = 0;
    var changed = lines.map(function (line, index) {
      var shift;
      if (deeper) {
        shift = INDENT.length;
        line = INDENT + line;
      } else {
        var leading = /^( {1,4}|\t)/.exec(line);
        shift = leading ? -leading[0].length : 0;
        line = leading ? line.slice(leading[0].length) : line;
      }
      if (index === 0) { firstShift = shift; }
      total += shift;
      return line;
    }).join("\n");
    editor.focus();
    editor.setSelectionRange(lineStart, lineEnd);
    // execCommand keeps the change on the browser's undo stack and fires
    // "input" (the preview and the unsaved-changes check follow).
    if (!document.execCommand || !document.execCommand("insertText", false, changed)) {
      editor.setRangeText(changed, lineStart, lineEnd, "end");
      editor.dispatchEvent(new Event("input", { bubbles: true }));
    }
    editor.setSelectionRange(Math.max(lineStart, start + firstShift),
      Math.max(lineStart, end + total));
  }

  function keys(event) {
    if (!isEditor(event.target)) {
      return;
    }
    if (event.key === "Tab" && !event.ctrlKey && !event.metaKey && !event.altKey) {
      // The browser's default: focus moves. Only markdownx is kept out.
      event.stopPropagation();
      return;
    }
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "]" || event.key === "[")) {
      event.preventDefault();
      event.stopPropagation();
      reindent(event.target, event.key === "]");
    }
  }

  document.addEventListener("keydown", keys, true);
  document.addEventListener("drop", intercept, true);
  document.addEventListener("paste", intercept, true);
})();
