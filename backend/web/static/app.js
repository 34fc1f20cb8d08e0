// Every HTMX request carries the session's CSRF token; after a swap, focus goes to what
// needs attention (an error summary or a notice), else stays where it was.
document.addEventListener("htmx:configRequest", function (event) {
  var token = document.body.dataset.csrf;
  if (token) { event.detail.headers["X-CSRF-Token"] = token; }
});
function focusFirst(root) {
  var target = root.querySelector("[data-focus], .error[role=alert], [aria-invalid=true]");
  if (target) { target.focus(); }
}
document.addEventListener("htmx:afterSettle", function (event) {
  if (event.detail.target && event.detail.target.id === "editor") { focusFirst(event.detail.target); }
});
document.addEventListener("DOMContentLoaded", function () { focusFirst(document); });
