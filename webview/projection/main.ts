/** Entry of the projection webview bundle (dist/webview/projection.js + projection.css). */
import './projection.css';
import { ProjectionApp } from './app';

const root = document.getElementById('app');
if (root) new ProjectionApp(root);
