/** Training progress for a terminal: a redrawn bar on a TTY, plain lines when piped (CI logs, files). */
import type { RunEvent } from '../shared/protocol';

export function progressReporter(stream: NodeJS.WriteStream & { isTTY?: boolean }, label: string): (e: RunEvent) => void {
  let totalSteps = 0;
  let lastKnn = NaN;
  const tty = !!stream.isTTY;
  const line = (text: string) => stream.write(tty ? `\r\x1b[2K${text}` : `${text}\n`);
  return (e) => {
    switch (e.type) {
      case 'started':
        totalSteps = e.totalSteps;
        stream.write(`${label}: ${e.config.loss} on ${e.config.dataset} (${e.trainSize} train / ${e.testSize} test), ${e.config.encoder}, batch ${e.config.batchSize}, τ ${e.config.temperature}, ${e.totalSteps} steps, backend ${e.backend.name}\n`);
        break;
      case 'resumed':
        totalSteps = e.totalSteps;
        stream.write(`${label}: resumed from the checkpoint at step ${e.step} (epoch ${e.epoch}) of ${e.totalSteps}, backend ${e.backend.name}${e.lostSteps ? `; ${e.lostSteps} step(s) logged after it are trained again` : ''}\n`);
        break;
      case 'step': {
        const frac = totalSteps ? e.step / totalSteps : 0;
        const width = 24;
        const filled = Math.round(frac * width);
        const bar = tty ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
        const knn = Number.isNaN(lastKnn) ? '' : `  kNN ${(lastKnn * 100).toFixed(1)}%`;
        line(`${bar}step ${e.step}/${totalSteps} epoch ${e.epoch}  loss ${e.loss.toFixed(4)}  lr ${e.lr.toExponential(2)}  ${Math.round(e.imagesPerSecond)} img/s${knn}`);
        break;
      }
      case 'knn':
        lastKnn = e.accuracy;
        if (tty) stream.write('\n');
        stream.write(`kNN accuracy ${(e.accuracy * 100).toFixed(2)}% (k=${e.k}, t=${e.t}) after epoch ${e.epoch}, step ${e.step}\n`);
        break;
      case 'linear':
        stream.write(`linear evaluation: top-1 ${(e.accuracy * 100).toFixed(2)}% (λ ${e.weightDecay}, ${e.seconds.toFixed(1)} s)\n`);
        break;
      case 'finished':
        if (tty) stream.write('\n');
        stream.write(`finished: loss ${e.loss.toFixed(4)}, kNN accuracy ${(e.knnAccuracy * 100).toFixed(2)}%\n`);
        break;
      case 'stopped':
        if (tty) stream.write('\n');
        stream.write(`stopped: ${e.reason}\n`);
        break;
      case 'failed':
        if (tty) stream.write('\n');
        stream.write(`failed: ${e.reason}\n`);
        break;
      default:
        break;
    }
  };
}
