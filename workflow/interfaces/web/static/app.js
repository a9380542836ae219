// Progressive enhancement only: the pages work without it.
// A form marked data-confirm asks before it is sent.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
