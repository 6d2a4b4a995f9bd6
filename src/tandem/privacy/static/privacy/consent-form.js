// The consent form on the clinician's tablet: the signature pad, and parts of the form
// shown only when they apply. Without JavaScript every part is shown and the person
// signs with their typed name.
(function () {
  "use strict";

  var BOX = { width: 1000, height: 300 }; // the SVG viewBox the server expects
  var MIN_STEP = 2; // drop points closer than this to keep the path short

  // --- signature pad: strokes recorded as SVG path data ("M x y L x y ...") ----------
  function signaturePad(canvas, input, clearButton) {
    var context = canvas.getContext("2d");
    var commands = parse(input.value);
    var drawing = false;
    var last = null;

    function parse(text) {
      var found = [];
      var re = /([ML])\s*(-?\d+(?:\.\d+)?)[\s,]+(-?\d+(?:\.\d+)?)/g;
      var m;
      while ((m = re.exec(text || "")) !== null) {
        found.push([m[1], Number(m[2]), Number(m[3])]);
      }
      return found;
    }

    function serialise() {
      return commands.map(function (c) { return c[0] + c[1] + " " + c[2]; }).join(" ");
    }

    function redraw() {
      context.clearRect(0, 0, BOX.width, BOX.height);
      context.strokeStyle = "#1b1b1b";
      context.lineWidth = 6;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.beginPath();
      commands.forEach(function (c) {
        if (c[0] === "M") {
          context.moveTo(c[1], c[2]);
          context.lineTo(c[1] + 0.1, c[2]); // a dot still shows
        } else {
          context.lineTo(c[1], c[2]);
        }
      });
      context.stroke();
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      var x = ((event.clientX - rect.left) * BOX.width) / rect.width;
      var y = ((event.clientY - rect.top) * BOX.height) / rect.height;
      return [
        Math.round(Math.min(BOX.width, Math.max(0, x)) * 10) / 10,
        Math.round(Math.min(BOX.height, Math.max(0, y)) * 10) / 10,
      ];
    }

    function add(command, p) {
      if (command === "L" && last && Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) < MIN_STEP) {
        return;
      }
      commands.push([command, p[0], p[1]]);
      last = p;
      input.value = serialise();
      redraw();
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      add("M", point(event));
    });
    canvas.addEventListener("pointermove", function (event) {
      if (drawing) {
        add("L", point(event));
      }
    });
    ["pointerup", "pointercancel"].forEach(function (name) {
      canvas.addEventListener(name, function () {
        drawing = false;
        last = null;
      });
    });
    clearButton.addEventListener("click", function () {
      commands = [];
      input.value = "";
      redraw();
    });
    redraw(); // a signature sent back with the form's errors is not lost
  }

  // --- parts shown only when they apply: data-shown-by / data-hidden-by="name=value" ---
  function conditionalParts(form) {
    function chosen(rule) {
      var parts = rule.split("=");
      var inputs = form.querySelectorAll('input[name="' + parts[0] + '"]');
      return Array.prototype.some.call(inputs, function (input) {
        return input.checked && input.value === parts[1];
      });
    }
    function update() {
      form.querySelectorAll("[data-shown-by]").forEach(function (el) {
        el.hidden = !chosen(el.getAttribute("data-shown-by"));
      });
      form.querySelectorAll("[data-hidden-by]").forEach(function (el) {
        el.hidden = chosen(el.getAttribute("data-hidden-by"));
      });
    }
    form.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-consent-form]").forEach(function (form) {
      var canvas = form.querySelector("[data-signature-pad]");
      if (canvas && canvas.getContext) {
        signaturePad(
          canvas,
          form.querySelector("[data-signature-value]"),
          form.querySelector("[data-signature-clear]")
        );
      }
      conditionalParts(form);
    });
  });
})();
