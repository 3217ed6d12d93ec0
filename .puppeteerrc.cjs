// whatsapp-web.js depends on puppeteer, whose install step would download Chrome: that fails
// on locked-down servers, and the gateway never needs it (CHROMIUM_PATH points at a
// system Chromium instead). npm 11 already skips the script through package.json's
// "allowScripts"; this file covers older npm versions (Node 20 ships npm 10).
module.exports = { skipDownload: true };
