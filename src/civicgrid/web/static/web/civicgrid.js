/* CivicGrid page behaviour shared by every console. Pages carry no inline code (the
   Content-Security-Policy allows scripts from files only), so small behaviours are
   declared with data- attributes and wired here. */
(function () {
  "use strict";

  // <select data-autosubmit>: choosing an option submits its form (the language switch).
  document.addEventListener("change", function (event) {
    const select = event.target;
    if (select.matches && select.matches("select[data-autosubmit]") && select.form) {
      select.form.submit();
    }
  });
})();
