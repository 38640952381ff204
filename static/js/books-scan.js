// Scan a book's barcode with the phone camera where the browser has BarcodeDetector;
// elsewhere the page stays as it is and the ISBN is typed.
(function () {
  "use strict";
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  var button = document.getElementById("scan-button");
  var video = document.getElementById("scan-video");
  var input = document.getElementById("isbn");
  var status = document.getElementById("scan-status");
  var form = document.getElementById("isbn-form");
  if (!button || !video || !input || !form) { return; }
  button.hidden = false;
  var stream = null;

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    video.hidden = true;
  }

  function say(text) { status.hidden = false; status.textContent = text; }

  button.addEventListener("click", function () {
    var detector;
    try {
      detector = new window.BarcodeDetector({ formats: ["ean_13"] });
    } catch (e) { say(button.dataset.unsupported || ""); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        return video.play();
      })
      .then(function look() {
        if (!stream) { return; }
        detector.detect(video).then(function (codes) {
          var hit = codes.find(function (c) { return /^97[89]\d{10}$/.test(c.rawValue); });
          if (hit) { input.value = hit.rawValue; stop(); form.submit(); }
          else { window.requestAnimationFrame(look); }
        }).catch(function () { window.requestAnimationFrame(look); });
      })
      .catch(function () { stop(); say(status.dataset.denied || ""); });
  });
  window.addEventListener("pagehide", stop);
}());
