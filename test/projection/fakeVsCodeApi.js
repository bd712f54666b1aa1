// A stand-in for VS Code's webview API in the headless-browser test: acquireVsCodeApi() plus a fake host
// that answers the projection webview's messages from window.__DCL_FIXTURE__ (recorded with the host's own
// code by pageServer.ts). Query parameters: views=1|2, state=<JSON of the saved webview state>, theme=dark|light|high-contrast.
// Everything the page posts is kept in window.__posted, every saved state in window.__states, and CSP
// violations in window.__csp.
(function () {
  'use strict';
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
  });

  function decode(value) {
    if (Array.isArray(value)) return value.map(decode);
    if (value && typeof value === 'object') {
      if (typeof value.$typed === 'string') {
        var bin = atob(value.b64);
        var bytes = new Uint8Array(bin.length);
        for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        return new window[value.$typed](bytes.buffer);
      }
      var out = {};
      for (var k in value) out[k] = decode(value[k]);
      return out;
    }
    return value;
  }

  var fixture = decode(window.__DCL_FIXTURE__);
  var params = new URLSearchParams(location.search);
  var viewCount = Number(params.get('views') || '1');
  var state = params.get('state') ? JSON.parse(params.get('state')) : undefined;
  var shown = {}; // slot -> epoch currently shown
  window.__posted = [];
  window.__states = [];

  // VS Code puts the theme on <body> as a class and its colours on <html> as --vscode-* variables.
  var themes = {
    dark: { cls: 'vscode-dark', vars: { 'editor-background': '#1e1e1e', foreground: '#cccccc', descriptionForeground: '#9d9d9d', 'panel-border': '#444444' } },
    light: { cls: 'vscode-light', vars: { 'editor-background': '#ffffff', foreground: '#333333', descriptionForeground: '#717171', 'panel-border': '#dddddd', 'dropdown-background': '#ffffff', 'dropdown-foreground': '#333333', 'input-background': '#ffffff', 'input-foreground': '#333333', 'button-secondaryBackground': '#e5e5e5', 'button-secondaryForeground': '#333333', 'editorHoverWidget-background': '#f3f3f3', 'editorHoverWidget-foreground': '#333333', 'editorHoverWidget-border': '#c8c8c8' } },
    // VS Code's Dark High Contrast: black surfaces, cyan borders (contrastBorder), orange focus.
    'high-contrast': { cls: 'vscode-high-contrast', vars: { 'editor-background': '#000000', foreground: '#ffffff', descriptionForeground: '#ffffff', 'panel-border': '#6fc3df', contrastBorder: '#6fc3df', focusBorder: '#f38518', 'dropdown-background': '#000000', 'dropdown-foreground': '#ffffff', 'dropdown-border': '#6fc3df', 'input-background': '#000000', 'input-foreground': '#ffffff', 'input-border': '#6fc3df', 'button-background': '#000000', 'button-foreground': '#ffffff', 'button-border': '#6fc3df', 'button-secondaryBackground': '#000000', 'button-secondaryForeground': '#ffffff', 'editorHoverWidget-background': '#0c141f', 'editorHoverWidget-foreground': '#ffffff', 'editorHoverWidget-border': '#6fc3df' } },
  };
  var theme = themes[params.get('theme') || 'dark'];
  document.body.classList.add(theme.cls);
  for (var name in theme.vars) document.documentElement.style.setProperty('--vscode-' + name, theme.vars[name]);

  function send(data) {
    setTimeout(function () {
      window.dispatchEvent(new MessageEvent('message', { data: data }));
    }, 5);
  }

  function handle(m) {
    if (m.type === 'ready') {
      send({ type: 'catalog', views: fixture.catalog.slice(0, viewCount) });
    } else if (m.type === 'select') {
      var p = fixture.projections[m.slot + ':' + m.epoch + ':' + m.method];
      if (!p) {
        send({ type: 'error', slot: m.slot, requestId: m.requestId, message: 'The fixture has no ' + m.method + ' projection of epoch ' + m.epoch + '.' });
        return;
      }
      shown[m.slot] = m.epoch;
      send({ type: 'busy', slot: m.slot, requestId: m.requestId, text: 'PCA', progress: 0.5 });
      send(Object.assign({}, p, { requestId: m.requestId, cached: true }));
    } else if (m.type === 'neighbours') {
      var nb = fixture.neighbours[m.slot + ':' + shown[m.slot]];
      if (!nb) return;
      var k = Math.min(m.k, nb.k);
      send({ type: 'neighbours', slot: m.slot, point: m.point, neighbours: nb.list.slice(m.point * nb.k, m.point * nb.k + k), similarities: nb.sims.slice(m.point * nb.k, m.point * nb.k + k) });
    } else if (m.type === 'thumbnail') {
      var t = fixture.thumbnails[String(m.slot)];
      var payload = fixture.projections[m.slot + ':' + shown[m.slot] + ':pca'];
      if (!t || !payload) return;
      var row = t.testIndices.indexOf(payload.indices[m.point]);
      var size = t.height * t.width * t.channels;
      send({ type: 'thumbnail', slot: m.slot, point: m.point, height: t.height, width: t.width, channels: t.channels, pixels: row < 0 ? null : t.pixels.slice(row * size, (row + 1) * size) });
    }
  }

  window.acquireVsCodeApi = function () {
    return {
      postMessage: function (m) {
        window.__posted.push(JSON.parse(JSON.stringify(m)));
        handle(m);
      },
      getState: function () {
        return state;
      },
      setState: function (s) {
        state = s;
        window.__states.push(JSON.parse(JSON.stringify(s)));
      },
    };
  };
})();
