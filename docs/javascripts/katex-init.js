// Typeset the maths that pymdownx.arithmatex marks (\( \) inline, \[ \] display) with the
// vendored KaTeX; Material's instant navigation re-runs it on each page.
function typeset() {
  document.querySelectorAll(".arithmatex").forEach(function (el) {
    renderMathInElement(el, {delimiters: [
      {left: "\\(", right: "\\)", display: false}, {left: "\\[", right: "\\]", display: true}],
      throwOnError: false});
  });
  document.querySelectorAll(".jp-RenderedMarkdown, .jp-MarkdownOutput").forEach(function (el) {
    renderMathInElement(el, {delimiters: [
      {left: "$$", right: "$$", display: true}, {left: "$", right: "$", display: false}],
      throwOnError: false});
  });
}
if (typeof document$ !== "undefined") { document$.subscribe(typeset); }
else { document.addEventListener("DOMContentLoaded", typeset); }
