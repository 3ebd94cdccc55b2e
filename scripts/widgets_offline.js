/*
 * grubptt: make the ipywidgets HTML manager (embed-amd.js) work from the book's own files.
 * Loaded only on pages with saved widget state (`nb_ipywidgets_js` in _config.yml), after
 * require.js and before embed-amd.js. Two jobs:
 *
 * 1. RequireJS paths. embed-amd.js locates its icon fonts relative to the URL RequireJS reports
 *    for its AMD modules ("@jupyter-widgets/..."), which by default resolves against the *page*
 *    (book/@jupyter-widgets/...) and 404s. Point those module ids at the folder this book serves
 *    the widget manager from, computed from this script's own URL so it works from any sub-folder.
 *
 * 2. MathJax 2 -> 3. @jupyter-widgets/controls still typesets labels with the MathJax 2 call
 *        MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])
 *    MathJax 3 has no `Hub`, so that line throws a TypeError on pages with math and widgets.
 *    Give MathJax 3 a minimal `Hub.Queue` that forwards "Typeset" jobs to `typesetPromise`.
 *    Sphinx loads MathJax 3 with `defer`, so it exists by DOMContentLoaded; the widget manager
 *    renders later, on `load`.
 */
(function () {
  "use strict";

  // --- 1. RequireJS module locations -------------------------------------------------------
  var script = document.currentScript;
  if (script && window.require && typeof window.require.config === "function") {
    // .../_static/offline/grubptt/widgets_offline.js -> .../_static/offline/html-manager
    var managerDir = new URL("../html-manager", script.src).href;
    window.require.config({
      paths: {
        "@jupyter-widgets/html-manager/dist": managerDir,
        "@jupyter-widgets": managerDir,
        // The live explorer's canvas is an anywidget: its front end, served with the book (else the
        // manager would fetch it from a CDN).
        anywidget: new URL("../anywidget/index", script.src).href,
      },
    });
  }

  // --- 2. MathJax.Hub.Queue for MathJax 3 ---------------------------------------------------
  function isMathJax3(mj) {
    return !!mj && typeof mj.version === "string" && mj.version.charAt(0) === "3";
  }

  function typeset(mj, element) {
    if (element && element.classList) {
      // The book lets MathJax typeset only elements with these classes (myst-parser's
      // processHtmlClass); a widget that asks for typesetting opts in explicitly.
      element.classList.add("mathjax_process");
    }
    var ready = (mj.startup && mj.startup.promise) || Promise.resolve();
    return ready
      .then(function () {
        return mj.typesetPromise(element ? [element] : undefined);
      })
      .catch(function (err) {
        console.warn("grubptt: typesetting a widget label failed", err);
      });
  }

  function installHub() {
    var mj = window.MathJax;
    if (!isMathJax3(mj) || mj.Hub) {
      return;
    }
    mj.Hub = {
      // MathJax 2 queued jobs: ["Typeset", Hub, element] arrays or plain callbacks.
      Queue: function () {
        var chain = Promise.resolve();
        Array.prototype.forEach.call(arguments, function (job) {
          if (Array.isArray(job) && job[0] === "Typeset") {
            chain = chain.then(function () {
              return typeset(mj, job[2]);
            });
          } else if (typeof job === "function") {
            chain = chain.then(job);
          }
        });
        return chain;
      },
    };
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", installHub);
  } else {
    installHub();
  }
})();
