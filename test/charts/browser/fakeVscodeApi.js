// Stands in for VS Code inside the real-browser test. Loaded as a separate file with the page's nonce
// (never inline), before the charts bundle. It:
//  - applies a VS Code theme's --vscode-* variables and body class (?theme=light|dark|high-contrast),
//  - records CSP violations and everything the webview posts to the host,
//  - answers the webview's `ready` by replaying host messages recorded by the test (window.__dclHostMessages),
//  - keeps getState/setState in sessionStorage so a reload restores state as VS Code does.
(function () {
  'use strict';
  var FONT = '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif';
  var THEMES = {
    dark: {
      bodyClass: 'vscode-dark',
      vars: {
        '--vscode-foreground': '#cccccc', '--vscode-editor-background': '#1f1f1f', '--vscode-descriptionForeground': '#9d9d9d',
        '--vscode-charts-foreground': '#cccccc', '--vscode-charts-lines': '#cccccc80', '--vscode-charts-red': '#f14c4c',
        '--vscode-charts-blue': '#3794ff', '--vscode-charts-yellow': '#cca700', '--vscode-charts-orange': '#d18616',
        '--vscode-charts-green': '#89d185', '--vscode-charts-purple': '#b180d7', '--vscode-terminal-ansiCyan': '#11a8cd',
        '--vscode-terminal-ansiMagenta': '#bc3fbc', '--vscode-panel-border': '#2b2b2b', '--vscode-button-background': '#0078d4',
        '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#026ec1', '--vscode-button-secondaryBackground': '#313131',
        '--vscode-button-secondaryForeground': '#cccccc', '--vscode-button-secondaryHoverBackground': '#3c3c3c', '--vscode-badge-background': '#616161',
        '--vscode-badge-foreground': '#f8f8f8', '--vscode-focusBorder': '#0078d4', '--vscode-dropdown-background': '#313131',
        '--vscode-dropdown-border': '#3c3c3c', '--vscode-dropdown-foreground': '#cccccc', '--vscode-checkbox-background': '#313131',
        '--vscode-checkbox-border': '#3c3c3c', '--vscode-checkbox-foreground': '#cccccc', '--vscode-panelTitle-activeBorder': '#0078d4', '--vscode-settings-headerBorder': '#2b2b2b',
        '--vscode-settings-checkboxBackground': '#313131', '--vscode-settings-checkboxBorder': '#3c3c3c', '--vscode-settings-checkboxForeground': '#cccccc',
        '--vscode-settings-dropdownBackground': '#313131', '--vscode-settings-dropdownBorder': '#3c3c3c', '--vscode-settings-dropdownForeground': '#cccccc',
        '--vscode-settings-dropdownListBorder': '#454545', '--vscode-list-activeSelectionBackground': '#04395e', '--vscode-list-activeSelectionForeground': '#ffffff',
        '--vscode-list-hoverBackground': '#2a2d2e', '--vscode-list-focusOutline': '#0078d4', '--vscode-widget-shadow': '#0000005c',
        '--vscode-panelTitle-activeForeground': '#cccccc', '--vscode-panelTitle-inactiveForeground': '#9d9d9d', '--vscode-panel-background': '#181818',
        '--vscode-errorForeground': '#f85149', '--vscode-editor-selectionBackground': '#264f78',
      },
    },
    light: {
      bodyClass: 'vscode-light',
      vars: {
        '--vscode-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff', '--vscode-descriptionForeground': '#3b3b3b',
        '--vscode-charts-foreground': '#616161', '--vscode-charts-lines': '#61616180', '--vscode-charts-red': '#e51400',
        '--vscode-charts-blue': '#1a85ff', '--vscode-charts-yellow': '#bf8803', '--vscode-charts-orange': '#d18616',
        '--vscode-charts-green': '#388a34', '--vscode-charts-purple': '#652d90', '--vscode-terminal-ansiCyan': '#0598bc',
        '--vscode-terminal-ansiMagenta': '#bc05bc', '--vscode-panel-border': '#e5e5e5', '--vscode-button-background': '#005fb8',
        '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#0258a8', '--vscode-button-secondaryBackground': '#e5e5e5',
        '--vscode-button-secondaryForeground': '#3b3b3b', '--vscode-button-secondaryHoverBackground': '#cccccc', '--vscode-badge-background': '#cccccc',
        '--vscode-badge-foreground': '#3b3b3b', '--vscode-focusBorder': '#005fb8', '--vscode-dropdown-background': '#ffffff',
        '--vscode-dropdown-border': '#cecece', '--vscode-dropdown-foreground': '#3b3b3b', '--vscode-checkbox-background': '#f8f8f8',
        '--vscode-checkbox-border': '#cecece', '--vscode-checkbox-foreground': '#3b3b3b', '--vscode-panelTitle-activeBorder': '#005fb8', '--vscode-settings-headerBorder': '#e5e5e5',
        '--vscode-settings-checkboxBackground': '#f8f8f8', '--vscode-settings-checkboxBorder': '#cecece', '--vscode-settings-checkboxForeground': '#3b3b3b',
        '--vscode-settings-dropdownBackground': '#ffffff', '--vscode-settings-dropdownBorder': '#cecece', '--vscode-settings-dropdownForeground': '#3b3b3b',
        '--vscode-settings-dropdownListBorder': '#c8c8c8', '--vscode-list-activeSelectionBackground': '#e8e8e8', '--vscode-list-activeSelectionForeground': '#000000',
        '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-list-focusOutline': '#005fb8', '--vscode-widget-shadow': '#00000029',
        '--vscode-panelTitle-activeForeground': '#3b3b3b', '--vscode-panelTitle-inactiveForeground': '#616161', '--vscode-panel-background': '#f8f8f8',
        '--vscode-errorForeground': '#f85149', '--vscode-editor-selectionBackground': '#add6ff',
      },
    },
    'high-contrast': {
      bodyClass: 'vscode-high-contrast',
      vars: {
        '--vscode-foreground': '#ffffff', '--vscode-editor-background': '#000000', '--vscode-descriptionForeground': '#ffffff',
        '--vscode-contrastBorder': '#6fc3df', '--vscode-charts-foreground': '#ffffff', '--vscode-charts-lines': '#ffffff',
        '--vscode-charts-red': '#f48771', '--vscode-charts-blue': '#75beff', '--vscode-charts-yellow': '#ffd370',
        '--vscode-charts-orange': '#ffa500', '--vscode-charts-green': '#89d185', '--vscode-charts-purple': '#b180d7',
        '--vscode-terminal-ansiCyan': '#00ffff', '--vscode-terminal-ansiMagenta': '#ff00ff', '--vscode-panel-border': '#6fc3df',
        '--vscode-button-background': '#000000', '--vscode-button-foreground': '#ffffff', '--vscode-button-border': '#6fc3df',
        '--vscode-button-secondaryBackground': '#000000', '--vscode-button-secondaryForeground': '#ffffff', '--vscode-badge-background': '#000000',
        '--vscode-badge-foreground': '#ffffff', '--vscode-focusBorder': '#f38518', '--vscode-dropdown-background': '#000000',
        '--vscode-dropdown-border': '#6fc3df', '--vscode-dropdown-foreground': '#ffffff', '--vscode-checkbox-background': '#000000',
        '--vscode-checkbox-border': '#6fc3df', '--vscode-panelTitle-activeBorder': '#6fc3df', '--vscode-settings-headerBorder': '#6fc3df',
        '--vscode-settings-checkboxBackground': '#000000', '--vscode-settings-checkboxBorder': '#6fc3df', '--vscode-settings-checkboxForeground': '#ffffff',
        '--vscode-settings-dropdownBackground': '#000000', '--vscode-settings-dropdownBorder': '#6fc3df', '--vscode-settings-dropdownForeground': '#ffffff',
        '--vscode-settings-dropdownListBorder': '#6fc3df', '--vscode-list-activeSelectionForeground': '#ffffff', '--vscode-list-focusOutline': '#f38518', '--vscode-panelTitle-activeForeground': '#ffffff',
        '--vscode-panelTitle-inactiveForeground': '#ffffff', '--vscode-errorForeground': '#f48771', '--vscode-editor-selectionBackground': '#ffffff',
      },
    },
  };

  function applyTheme(name) {
    var theme = THEMES[name] || THEMES.dark;
    var root = document.documentElement;
    root.style.setProperty('--vscode-font-family', FONT);
    root.style.setProperty('--vscode-font-size', '13px');
    Object.keys(theme.vars).forEach(function (k) { root.style.setProperty(k, theme.vars[k]); });
    Object.keys(THEMES).forEach(function (n) { if (THEMES[n] !== theme) { Object.keys(THEMES[n].vars).forEach(function (k) { if (!(k in theme.vars)) root.style.removeProperty(k); }); } });
    document.body.classList.remove('vscode-dark', 'vscode-light', 'vscode-high-contrast');
    document.body.classList.add(theme.bodyClass);
  }
  var params = new URLSearchParams(location.search);
  applyTheme(params.get('theme') || 'dark');
  window.__setTheme = applyTheme;

  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
  });

  // Typed arrays were written as {"$typed": "Float64Array", "data": [...]} (JSON has no NaN: null stands for it).
  function revive(value) {
    if (Array.isArray(value)) return value.map(revive);
    if (value && typeof value === 'object') {
      if (typeof value.$typed === 'string') {
        var Ctor = window[value.$typed];
        return Ctor.from(value.data, function (v) { return v === null ? NaN : v; });
      }
      var out = {};
      Object.keys(value).forEach(function (k) { out[k] = revive(value[k]); });
      return out;
    }
    return value;
  }

  var STATE_KEY = 'dcl-charts-test-state';
  window.__posted = [];
  var replays = 0;
  function replay() {
    replays++;
    var messages = (window.__dclHostMessages || []).map(revive);
    var delay = Number(params.get('appendDelay') || 80);
    var t = 0;
    window.__replayDone = false;
    messages.forEach(function (m, i) {
      // Everything up to the histories arrives at once (as on open); later appends trickle in like a live run.
      if (m.type === 'append' || (m.type === 'status' && i > 0 && messages[i - 1].type === 'append')) t += delay;
      setTimeout(function () { window.postMessage(m, '*'); }, t);
    });
    setTimeout(function () { window.__replayDone = true; }, t + 50);
  }
  window.__replayCount = function () { return replays; };

  var api = {
    postMessage: function (m) {
      var record = { type: m.type };
      Object.keys(m).forEach(function (k) {
        var v = m[k];
        if (v instanceof Uint8Array) { record[k + 'Base64'] = btoa(String.fromCharCode.apply(null, Array.prototype.slice.call(v))); record[k + 'Length'] = v.length; }
        else record[k] = v;
      });
      window.__posted.push(record);
      if (m.type === 'ready') replay();
    },
    getState: function () {
      var s = sessionStorage.getItem(STATE_KEY);
      return s === null ? undefined : JSON.parse(s);
    },
    setState: function (s) { sessionStorage.setItem(STATE_KEY, JSON.stringify(s)); },
  };
  var acquired = false;
  window.acquireVsCodeApi = function () {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return api;
  };
})();
