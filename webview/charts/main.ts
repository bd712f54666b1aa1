/** Entry of the charts webview bundle (dist/webview/charts.js). */
import { ChartsApp } from './app';

const root = document.getElementById('app');
if (root) new ChartsApp(root);
