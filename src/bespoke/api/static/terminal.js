// The terminal's scanner: a traveller's QR code holds the address of its work on the floor.
// A phone's camera is read with the browser's BarcodeDetector where it has one; a hand
// scanner types the address into the box and presses Enter.
(function () {
  "use strict";
  const form = document.getElementById("scan-form");
  const box = document.getElementById("scanned");
  const problem = document.getElementById("scan-error");
  const video = document.getElementById("camera");

  function open(code) {
    let url;
    try {
      url = new URL(code.trim(), window.location.origin);
    } catch (error) {
      url = null;
    }
    if (!url || url.origin !== window.location.origin || !url.pathname.startsWith("/floor/")) {
      problem.textContent = "That code is not a traveller of this shop: it opens a page under /floor/.";
      problem.hidden = false;
      return;
    }
    window.location.assign(url.pathname);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    open(box.value);
  });

  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  navigator.mediaDevices
    .getUserMedia({ video: { facingMode: "environment" } })
    .then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      return video.play();
    })
    .then(function look() {
      detector.detect(video).then(function (codes) {
        if (codes.length) {
          open(codes[0].rawValue);
        } else {
          window.requestAnimationFrame(look);
        }
      });
    })
    .catch(function () {
      video.hidden = true;
    });
})();
